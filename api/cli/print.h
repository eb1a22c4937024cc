/* vanthu's output: JSON strings and hex, times in Vietnam time, table
 * cells measured in display columns. */
#ifndef VT_CLI_PRINT_H
#define VT_CLI_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* JSON output is built as one jansson value and printed once (jv_print):
 * a command that fails half-way prints no partial document. */
/* A string value; invalid UTF-8 (old entries) is served with U+FFFD. */
json_t *jv_text(const char *s);
json_t *jv_hex(const uint8_t *p, size_t n);
json_t *jv_time(int64_t us); /* as print_time */
/* Prints v on stdout followed by a newline and releases it; 0 or -1. */
int jv_print(json_t *v);

void json_str(FILE *f, const char *s);
void json_hex(FILE *f, const uint8_t *p, size_t n);
void print_time(FILE *f, int64_t us); /* ISO 8601 in Vietnam time (+07:00) */
/* A table cell: s cut to width display columns (UTF-8 aware), padded, then
 * a space; width 0 prints s whole. */
void cell(FILE *f, const char *s, int width);
/* "incoming", "outgoing" or "?". */
const char *cli_direction_name(int direction);

#endif
