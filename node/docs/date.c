/* Dates in Vietnam (UTC+7): the register year, YYYY-MM-DD dates. */
#include "docs/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint32_t vt_year_vn(int64_t time_us)
{
	time_t t = (time_t)(time_us / 1000000) + 7 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	return (uint32_t)tm.tm_year + 1900;
}

void vt_date_vn(char out[11], int64_t time_us)
{
	time_t t = (time_t)(time_us / 1000000) + 7 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int vt_date_ok(const char *s)
{
	int y, m, d;
	char tail;
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 1945 && y <= 9999 &&
		m >= 1 && m <= 12 && d >= 1 && d <= 31;
}
