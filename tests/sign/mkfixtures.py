#!/usr/bin/env python3
"""Test fixtures for the signature tests: a test national-CA hierarchy (root ->
sub-CA -> people and the agency), an expired and a rogue certificate, and small
PDFs. Usage: mkfixtures.py OUTDIR"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc)
AGENCY = "Sở Nông nghiệp và PTNT tỉnh Lào Cai"


def name(cn=None, o=None, title=None):
    attrs = []
    if cn:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"))
    return x509.Name(attrs)


def save(stem, key, cert):
    with open(os.path.join(out, stem + ".key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(out, stem + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def issue(subject, key, issuer_name, issuer_key, ca=False, start=None, end=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start or now - datetime.timedelta(days=1))
         .not_valid_after(end or now + datetime.timedelta(days=3650)))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        b = b.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


root_key = rsa_key()
root_name = name("Test Root CA - Ban Cơ yếu Chính phủ (test)", "Ban Cơ yếu Chính phủ")
root = issue(root_name, root_key, root_name, root_key, ca=True)
save("root", root_key, root)
sub_key = rsa_key()
sub_name = name("Test CA dùng riêng cho cơ quan nhà nước", "Ban Cơ yếu Chính phủ")
sub = issue(sub_name, sub_key, root_name, root_key, ca=True)
save("sub", sub_key, sub)

people = {
    "initials": (ec.generate_private_key(ec.SECP256R1()), name("Trần Thị Bình", AGENCY, "Trưởng phòng")),
    "signer": (rsa_key(), name("Nguyễn Văn An", AGENCY, "Giám đốc")),
    "agency": (rsa_key(), name(AGENCY, AGENCY)),
}
for stem, (key, subj) in people.items():
    save(stem, key, issue(subj, key, sub_name, sub_key))
exp_key = rsa_key()
save("expired", exp_key, issue(name("Lê Văn Cũ", AGENCY, "Chuyên viên"), exp_key, sub_name, sub_key,
                               start=now - datetime.timedelta(days=800), end=now - datetime.timedelta(days=30)))
rev_key = rsa_key()
revoked = issue(name("Phạm Thị Thu Hồi", AGENCY, "Chuyên viên"), rev_key, sub_name, sub_key)
save("revoked", rev_key, revoked)
# the sub-CA's CRL revoking it (valid for a week)
crl = (x509.CertificateRevocationListBuilder().issuer_name(sub_name).last_update(now - datetime.timedelta(hours=1))
       .next_update(now + datetime.timedelta(days=7))
       .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(revoked.serial_number)
                                .revocation_date(now - datetime.timedelta(hours=1)).build())
       .sign(sub_key, hashes.SHA256()))
with open(os.path.join(out, "crl.pem"), "wb") as f:
    f.write(crl.public_bytes(serialization.Encoding.PEM))
rogue_root_key = rsa_key()
rogue_name = name("Rogue Root", "Không tin cậy")
rogue_root = issue(rogue_name, rogue_root_key, rogue_name, rogue_root_key, ca=True)
save("rogue-root", rogue_root_key, rogue_root)
rogue_key = rsa_key()
save("rogue", rogue_key, issue(name("Kẻ giả mạo", AGENCY, "Giám đốc"), rogue_key, rogue_name, rogue_root_key))
with open(os.path.join(out, "chain.pem"), "wb") as f:
    f.write(sub.public_bytes(serialization.Encoding.PEM))
# the signer as PKCS#12 (password "test"), with the sub-CA
with open(os.path.join(out, "signer.p12"), "wb") as f:
    sk = people["signer"][0]
    cert = x509.load_pem_x509_certificate(open(os.path.join(out, "signer.pem"), "rb").read())
    f.write(pkcs12.serialize_key_and_certificates(b"signer", sk, cert, [sub],
                                                  serialization.BestAvailableEncryption(b"test")))


def pdf(path, content, extra_pages=0):
    """A classic-xref PDF with one content stream per page."""
    objs = []
    npages = 1 + extra_pages
    kids = " ".join("%d 0 R" % (3 + 2 * i) for i in range(npages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(("<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, npages)).encode())
    for i in range(npages):
        objs.append(("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                     "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >> >> >> >>"
                     % (4 + 2 * i)).encode())
        body = content if i == 0 else b"BT /F1 12 Tf 72 770 Td (Trang %d) Tj ET" % (i + 1)
        objs.append(b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    data = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(data))
        data += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        data += b"%010d 00000 n \n" % o
    data += b"trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> " \
            b"<0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    with open(path, "wb") as f:
        f.write(data)


pdf(os.path.join(out, "plain.pdf"),
    b"BT /F1 14 Tf 72 770 Td (QUYET DINH ve viec ban hanh quy che) Tj ET")
# ~200 KiB: a long uncompressed content stream, 3 pages
lines = b"\n".join(b"BT /F1 9 Tf 40 %d Td (Dieu %d. Noi dung van ban so %06d ve viec trien khai ke hoach) Tj ET"
                   % (800 - (i % 80) * 10, i, i) for i in range(2600))
pdf(os.path.join(out, "big.pdf"), lines, extra_pages=2)
# ~100 KiB: with three signatures (16 KiB gaps) about 200 KiB, for ops/bench/bench_pades
lines = b"\n".join(b"BT /F1 9 Tf 40 %d Td (Dieu %d. Noi dung van ban so %06d ve viec trien khai ke hoach) Tj ET"
                   % (800 - (i % 80) * 10, i, i) for i in range(1150))
pdf(os.path.join(out, "bench.pdf"), lines, extra_pages=2)
