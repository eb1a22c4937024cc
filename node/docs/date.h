/* Dates as the registers keep them: Vietnam time (UTC+7).
 * uses: nothing (a leaf any docs/ module may use) */
#ifndef VT_DATE_H
#define VT_DATE_H

#include <stdint.h>

/* Calendar year of a UTC µs time in Vietnam (UTC+7), the register year. */
uint32_t vt_year_vn(int64_t time_us);
/* The date of a UTC µs time in Vietnam, YYYY-MM-DD. */
void vt_date_vn(char out[11], int64_t time_us);
/* 1 if s is a date YYYY-MM-DD (1945 or later). */
int vt_date_ok(const char *s);

#endif
