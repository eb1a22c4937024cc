"""Python grpcio as a client of the C test server (tests/rpc/test_rpc.c):
raw bytes, no generated code. Usage: interop_client.py HOST:PORT"""
import sys

import grpc


def expect_error(call, code, sub):
    try:
        call()
    except grpc.RpcError as e:
        assert e.code() == code, (e.code(), e.details())
        assert sub in e.details(), e.details()
        return e
    raise AssertionError("no error, wanted %s" % code)


def main():
    target = sys.argv[1]
    with grpc.insecure_channel(target) as ch:
        echo = ch.unary_unary("/test.Echo/Echo")
        assert echo(b"xin chao", timeout=5) == b"xin chao"
        big = bytes(range(256)) * 4096  # 1 MiB
        assert echo(big, timeout=10) == big

        meta = ch.unary_unary("/test.Echo/Meta")
        body = meta(b"", timeout=5, metadata=[("authorization", "Bearer py")]).decode()
        assert "auth=Bearer py|" in body, body

        fail = ch.unary_unary("/test.Echo/Fail")
        e = expect_error(lambda: fail("-2:không tìm thấy".encode(), timeout=5),
                         grpc.StatusCode.NOT_FOUND, "không tìm thấy")
        assert ("vt-error", "-2") in (e.trailing_metadata() or ()), e.trailing_metadata()
        expect_error(lambda: fail(b"-6:book closed", timeout=5),
                     grpc.StatusCode.FAILED_PRECONDITION, "book closed")
        expect_error(lambda: ch.unary_unary("/x.Y/Z")(b"", timeout=5),
                     grpc.StatusCode.UNIMPLEMENTED, "unknown method /x.Y/Z")
        expect_error(lambda: ch.unary_unary("/test.Echo/Slow")(b"2000", timeout=0.2),
                     grpc.StatusCode.DEADLINE_EXCEEDED, "")
        expect_error(lambda: ch.unary_unary("/test.Echo/Small")(b"x" * 2000, timeout=5),
                     grpc.StatusCode.RESOURCE_EXHAUSTED, "over the limit of 1024")

        down = ch.unary_stream("/test.Files/Download")
        msgs = list(down(b"5,1000", timeout=5))
        assert len(msgs) == 5 and all(len(m) == 1000 for m in msgs)
        assert msgs[3][10] == (10 + 3) & 0xFF

        up = ch.stream_unary("/test.Files/Upload")
        chunk = bytes(range(256)) * 256  # 64 KiB
        resp = up(iter([chunk] * 16), timeout=10).decode()
        want = "n=16 bytes=%d sum=%d" % (16 * len(chunk), (16 * sum(chunk)) & 0xFFFFFFFF)
        assert resp == want, (resp, want)

        chat = ch.stream_stream("/test.Files/Chat")
        got = list(chat(iter([b"a", b"bb", b"ccc"]), timeout=5))
        assert got == [b"a", b"bb", b"ccc"], got
    print("interop ok")


if __name__ == "__main__":
    main()
