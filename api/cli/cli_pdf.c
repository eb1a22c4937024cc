/* vanthu pdf sign|verify: PAdES signatures on files, offline (node/pades.h). */
#include "cli/cmd.h"
#include "cli/print.h"
#include "store/error.h"
#include "sign/pades.h"
#include "sign/sigimg.h"
#include "sign/sigkey.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PDF_FILE_MAX (256u << 20)
#define VT_DEFAULT_TTF "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int err = 0;
	*out = NULL;
	if (!f)
		return vt_error_set(VT_ENOTFOUND, "cannot open %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		err = vt_error_set(VT_EIO, "cannot read %s", path);
		goto out;
	}
	if ((unsigned long)n > PDF_FILE_MAX) {
		err = vt_error_set(VT_ETOOBIG, "%s is over %u bytes", path, PDF_FILE_MAX);
		goto out;
	}
	if (!(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		err = vt_error_set(VT_EIO, "cannot read %s", path);
		goto out;
	}
	*out = buf;
	*len = (size_t)n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return err;
}

/* temp file, fsync, rename */
static int write_file(const char *path, const uint8_t *data, size_t len)
{
	char tmp[4096];
	FILE *f;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= sizeof(tmp))
		return vt_error_set(VT_EINVAL, "path too long");
	if (!(f = fopen(tmp, "wb")))
		return vt_error_set(VT_EIO, "cannot create %s: %s", tmp, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		return vt_error_set(VT_EIO, "cannot write %s", tmp);
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return vt_error_set(VT_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	}
	return 0;
}

/* "2026-11-24T10:00:00Z" or seconds since the epoch. */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	char *end;
	if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		    &tm.tm_sec) == 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		*out = (int64_t)timegm(&tm);
		return 0;
	}
	*out = strtoll(s, &end, 10);
	if (!*s || *end)
		return vt_error_set(VT_EINVAL, "bad time '%s' (YYYY-MM-DDTHH:MM:SSZ or seconds)", s);
	return 0;
}

static int load_key(vt_sigkey **key, cli_args *a)
{
	const char *token = cli_opt(a, "token"), *p12 = cli_opt(a, "p12"), *keyf = cli_opt(a, "key");
	const char *passf = cli_opt(a, "pass-file");
	char pass[256] = "";
	if (passf) {
		FILE *f = fopen(passf, "r");
		if (!f)
			return vt_error_set(VT_EIO, "cannot open %s", passf);
		if (!fgets(pass, sizeof(pass), f))
			pass[0] = 0;
		fclose(f);
		pass[strcspn(pass, "\r\n")] = 0;
	}
	if (token) {
		vt_sigkey_p11 o = { 0 };
		o.module = cli_opt(a, "module");
		o.token_label = token;
		o.key_label = cli_opt(a, "key-label");
		o.pin_file = cli_opt(a, "pin-file");
		o.pin_env = cli_opt(a, "pin-env");
		o.cert_pem = cli_opt(a, "cert");
		o.chain_pem = cli_opt(a, "chain");
		return vt_sigkey_load_pkcs11(key, &o);
	}
	if (p12)
		return vt_sigkey_load_p12(key, p12, pass);
	if (keyf)
		return vt_sigkey_load_pem(key, keyf, cli_opt(a, "cert"), cli_opt(a, "chain"), pass);
	return vt_error_set(VT_EINVAL, "pdf sign needs a key: --token LABEL, --p12 FILE or --key FILE --cert FILE");
}

/* --place initials|signer|stamp|copy: the regulation's positions (sigimg.h). */
static int apply_place(vt_pdf_sigspec *spec, vt_pdf_appearance *ap, const char *place, const char *over, int page_given,
	const uint8_t *data, size_t len, const vt_sigkey *key, char *org, size_t orgcap, char *when, size_t whencap)
{
	vt_pdf *pdf = NULL;
	double box[4];
	size_t pages = 0;
	int err;
	time_t t = spec->time ? (time_t)spec->time : time(NULL);
	struct tm tm;
	X509_NAME *n = X509_get_subject_name(vt_sigkey_cert(key));
	if (X509_NAME_get_text_by_NID(n, NID_organizationName, org, (int)orgcap) < 0 &&
	    X509_NAME_get_text_by_NID(n, NID_commonName, org, (int)orgcap) < 0)
		org[0] = 0;
	t += 7 * 3600; /* Vietnam time */
	gmtime_r(&t, &tm);
	strftime(when, whencap, "%d/%m/%Y %H:%M", &tm);
	if ((err = vt_pdf_open(&pdf, data, len)) < 0 || (err = vt_pdf_page_count(pdf, &pages)) < 0)
		goto out;
	if (strcmp(place, "initials") == 0 && !page_given && pages)
		spec->page = pages - 1;
	if ((err = vt_pdf_page_box(pdf, spec->page, box)) < 0)
		goto out;
	spec->ap = ap;
	if (strcmp(place, "initials") == 0)
		vt_sigimg_initials_rect(spec->rect, box);
	else if (strcmp(place, "signer") == 0) {
		if (spec->rect[2] <= spec->rect[0]) {
			err = vt_error_set(VT_EINVAL, "--place signer needs --rect x1,y1,x2,y2 (the signer's place)");
			goto out;
		}
		if (!ap->text_rgb[0] && !ap->text_rgb[2])
			ap->text_rgb[2] = 0.8f;
	} else if (strcmp(place, "stamp") == 0) {
		double sig[4];
		if (!over || sscanf(over, "%lf,%lf,%lf,%lf", &sig[0], &sig[1], &sig[2], &sig[3]) != 4) {
			err = vt_error_set(VT_EINVAL, "--place stamp needs --over x1,y1,x2,y2 (the signer's signature)");
			goto out;
		}
		vt_sigimg_stamp_over(spec->rect, sig, 90);
		if (!ap->font_size)
			ap->font_size = 7;
		ap->text_rgb[0] = 0.85f;
		ap->text_rgb[1] = ap->text_rgb[2] = 0;
		if (!ap->lines[0]) {
			ap->lines[0] = org;
			ap->lines[1] = when;
		}
	} else if (strcmp(place, "copy") == 0) {
		spec->page = 0;
		if ((err = vt_pdf_page_box(pdf, 0, box)) < 0)
			goto out;
		vt_sigimg_copy_rect(spec->rect, box, 220, 40);
		free((void *)ap->rgba);
		ap->rgba = NULL; /* no image on the copy stamp */
		ap->font_size = 10;
		if (!ap->lines[0]) {
			ap->lines[0] = org;
			ap->lines[1] = when;
		}
	} else
		err = vt_error_set(VT_EINVAL, "--place is initials, signer, stamp or copy");
out:
	vt_pdf_free(pdf);
	return err;
}

int cmd_pdf_sign(cli_args *a)
{
	const char *in = cli_opt(a, "in"), *outp = cli_opt(a, "out"), *rect = cli_opt(a, "rect");
	const char *image = cli_opt(a, "image"), *text = cli_opt(a, "text"), *color = cli_opt(a, "color");
	const char *tm = cli_opt(a, "time"), *place = cli_opt(a, "place"), *over = cli_opt(a, "over");
	char when[64] = "", org[256] = "";
	vt_pdf_sigspec spec = { 0 };
	vt_pdf_appearance ap = { 0 };
	vt_sigkey *key = NULL;
	uint8_t *data = NULL, *signed_pdf = NULL;
	size_t len = 0, slen = 0;
	uint64_t page = 1, gap = 16384;
	char *lines = NULL;
	int err;
	spec.reason = cli_opt(a, "reason");
	spec.name = cli_opt(a, "name");
	spec.location = cli_opt(a, "location");
	spec.field_name = cli_opt(a, "field");
	if (!in || !outp) {
		err = vt_error_set(VT_EINVAL, "pdf sign needs --in FILE --out FILE");
		goto out;
	}
	if ((err = cli_u64(a, "page", 1, &page)) < 0 || (err = cli_u64(a, "gap", 16384, &gap)) < 0)
		goto out;
	if (page < 1) {
		err = vt_error_set(VT_EINVAL, "--page counts from 1");
		goto out;
	}
	spec.page = (size_t)(page - 1);
	spec.contents_cap = (size_t)gap;
	if (tm && (err = parse_time(tm, &spec.time)) < 0)
		goto out;
	if (rect && sscanf(rect, "%lf,%lf,%lf,%lf", &spec.rect[0], &spec.rect[1], &spec.rect[2], &spec.rect[3]) != 4) {
		err = vt_error_set(VT_EINVAL, "--rect wants x1,y1,x2,y2 in points");
		goto out;
	}
	if (image && (err = vt_sigimg_load_png((uint8_t **)&ap.rgba, &ap.width, &ap.height, image)) < 0)
		goto out;
	if (text) {
		int i = 0;
		if (!(lines = strdup(text))) {
			err = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		for (char *s = lines, *save = NULL, *t; i < 4 && (t = strtok_r(s, "|", &save)); s = NULL)
			ap.lines[i++] = t;
	}
	if (color && strcmp(color, "red") == 0)
		ap.text_rgb[0] = 0.85f;
	else if (color && strcmp(color, "blue") == 0)
		ap.text_rgb[2] = 0.8f;
	ap.text_only_font_times = 1;
	/* Times New Roman's metric twin in Debian (fonts-liberation2), embedded */
	ap.ttf = cli_opt(a, "font");
	if (!ap.ttf && access(VT_DEFAULT_TTF, R_OK) == 0)
		ap.ttf = VT_DEFAULT_TTF;
	if (image || text)
		spec.ap = &ap;
	if ((err = load_key(&key, a)) < 0 || (err = cli_check_unused(a)) < 0)
		goto out;
	if ((err = read_file(in, &data, &len)) < 0)
		goto out;
	if (place && (err = apply_place(&spec, &ap, place, over, cli_opt(a, "page") != NULL, data, len, key, org,
			      sizeof(org), when, sizeof(when))) < 0)
		goto out;
	if ((err = vt_pades_sign(&signed_pdf, &slen, data, len, key, &spec)) < 0 ||
	    (err = write_file(outp, signed_pdf, slen)) < 0)
		goto out;
	if (a->json)
		printf("{\"out\":\"%s\",\"bytes\":%zu}\n", outp, slen);
	else
		printf("signed %s -> %s (%zu bytes)\n", in, outp, slen);
out:
	free((void *)ap.rgba);
	free(lines);
	free(data);
	free(signed_pdf);
	vt_sigkey_free(key);
	return err;
}

/* "a,b,c" -> NULL-terminated list in a static-size array */
static void split_list(char *s, const char **v, size_t cap)
{
	size_t n = 0;
	for (char *save = NULL, *t; s && n + 1 < cap && (t = strtok_r(s, ",", &save)); s = NULL)
		v[n++] = t;
	v[n] = NULL;
}

static void print_time_utc(FILE *f, int64_t t)
{
	if (t)
		print_time(f, t * 1000000);
	else
		fputs("?", f);
}

int cmd_pdf_verify(cli_args *a)
{
	const char *in = cli_opt(a, "in"), *at = cli_opt(a, "at"), *require = cli_opt(a, "require");
	char *aoids = cli_opt(a, "agency-oid") ? strdup(cli_opt(a, "agency-oid")) : NULL;
	char *poids = cli_opt(a, "person-oid") ? strdup(cli_opt(a, "person-oid")) : NULL;
	const char *av[32], *pv[32];
	vt_pades_trust_opts to = { 0 };
	vt_pades_trust *trust = NULL;
	vt_pades_report *r = NULL;
	uint8_t *data = NULL;
	size_t len = 0, bad = 0;
	int err;
	to.ca_file = cli_opt(a, "ca");
	to.ca_dir = cli_opt(a, "ca-dir");
	to.crl_file = cli_opt(a, "crl");
	split_list(aoids, av, 32);
	split_list(poids, pv, 32);
	to.agency_oids = av;
	to.person_oids = pv;
	if (!in) {
		err = vt_error_set(VT_EINVAL, "pdf verify needs --in FILE [--ca ROOTS.pem | --ca-dir DIR] [--crl CRLS.pem]");
		goto out;
	}
	if (require && strcmp(require, "legal") != 0 && strcmp(require, "valid") != 0) {
		err = vt_error_set(VT_EINVAL, "--require is 'valid' (every signature) or 'legal'");
		goto out;
	}
	if ((at && (err = parse_time(at, &to.at)) < 0) || (err = cli_check_unused(a)) < 0)
		goto out;
	if ((err = vt_pades_trust_new(&trust, &to)) < 0 || (err = read_file(in, &data, &len)) < 0 ||
	    (err = vt_pades_verify(&r, trust, data, len)) < 0)
		goto out;
	for (size_t i = 0; i < r->nsigs; i++)
		bad += r->sigs[i].problem != VT_PADES_OK;
	if (a->json) {
		printf("{\"file\":");
		json_str(stdout, in);
		printf(",\"bytes\":%zu,\"revisions\":%zu,\"covered\":%zu,\"not_covered\":%zu,\"legal\":%s,\"status\":",
			r->file_len, r->nrev, r->covered_end, r->not_covered, r->legal ? "true" : "false");
		json_str(stdout, r->status);
		printf(",\"signatures\":[");
		for (size_t i = 0; i < r->nsigs; i++) {
			const vt_pades_sig *s = &r->sigs[i];
			printf("%s{\"field\":", i ? "," : "");
			json_str(stdout, s->field ? s->field : "");
			printf(",\"result\":\"%s\",\"detail\":", vt_pades_problem_name(s->problem));
			json_str(stdout, s->detail);
			printf(",\"kind\":\"%s\",\"signer\":", s->kind == VT_PADES_AGENCY ? "agency" : "person");
			json_str(stdout, s->cn ? s->cn : "");
			printf(",\"organization\":");
			json_str(stdout, s->org ? s->org : "");
			printf(",\"subject\":");
			json_str(stdout, s->subject ? s->subject : "");
			printf(",\"reason\":");
			json_str(stdout, s->reason ? s->reason : "");
			printf(",\"name\":");
			json_str(stdout, s->name ? s->name : "");
			printf(",\"subfilter\":");
			json_str(stdout, s->subfilter ? s->subfilter : "");
			printf(",\"signing_time\":%lld,\"revision\":%d,\"covered\":%zu}", (long long)s->signing_time,
				s->revision, s->covered_end);
		}
		printf("]}\n");
	} else {
		printf("%s: %zu bytes, %zu revisions, %zu signatures\n", in, r->file_len, r->nrev, r->nsigs);
		for (size_t i = 0; i < r->nsigs; i++) {
			const vt_pades_sig *s = &r->sigs[i];
			printf("signature %zu: %s%s%s\n", i + 1, vt_pades_problem_name(s->problem), s->detail[0] ? ": " : "",
				s->detail);
			printf("  field: %s\n  signer: %s (%s) [%s]\n", s->field ? s->field : "", s->cn ? s->cn : "?",
				s->org ? s->org : "-", s->kind == VT_PADES_AGENCY ? "agency" : "person");
			printf("  subject: %s\n  signing time: ", s->subject ? s->subject : "?");
			print_time_utc(stdout, s->signing_time);
			printf("\n  reason: %s\n  subfilter: %s\n  covers: bytes 0..%zu (revision %d of %zu)\n",
				s->reason ? s->reason : "", s->subfilter ? s->subfilter : "", s->covered_end, s->revision, r->nrev);
		}
		if (r->nsigs && r->not_covered)
			printf("not covered: %zu bytes after byte %zu are not signed by anyone\n", r->not_covered, r->covered_end);
		printf("status: %s\n", r->status);
	}
	if (bad || (r->nsigs && r->not_covered))
		err = vt_error_set(VT_ESIG, "%zu of %zu signatures not valid%s", bad, r->nsigs,
			r->not_covered ? ", and bytes after the last signature are not covered" : "");
	else if (require && strcmp(require, "legal") == 0 && !r->legal)
		err = vt_error_set(VT_ESIG, "%s", r->status);
	else if (!r->nsigs && require)
		err = vt_error_set(VT_ESIG, "the document is not signed");
out:
	free(aoids);
	free(poids);
	free(data);
	vt_pades_report_free(r);
	vt_pades_trust_free(trust);
	return err;
}
