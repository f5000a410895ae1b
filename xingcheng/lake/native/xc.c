/*
 * xc: Xingcheng's compiled validation checks, a DuckDB extension written against DuckDB's stable C
 * extension API (duckdb_extension.h, C_STRUCT ABI, API v1.2.0).
 *
 * Each function is the exact equivalent of a SQL expression in xingcheng/lake/rules.py, which stays the
 * reference (it is what Spark runs and what DuckDB runs when this extension is not loaded); the tests hold
 * both to the same answers on every input they try. A NULL input gives a NULL result; the rules wrap every
 * check in coalesce(…, FALSE), so NULL always means "not valid".
 *
 *   xc_digits(v VARCHAR, n INTEGER) -> BIGINT
 *       v read as a number when it is exactly n ASCII digits (1 <= n <= 18); else NULL.
 *   xc_id_ok(v VARCHAR, today INTEGER, provinces VARCHAR) -> BOOLEAN
 *       GB 11643: 17 ASCII digits then a digit or X, the MOD 11-2 check character, a birth date
 *       (digits 7-14, YYYYMMDD) that is a real day within 1900-01-01 ... today, and a province (digits 1-2,
 *       p) for which provinces[p] is '1' (provinces: 100 characters, '0' or '1').
 *   xc_uscc_ok(v VARCHAR) -> BOOLEAN
 *       GB 32100: 18 characters of the code alphabet, the GB 11714 organisation-code check character
 *       (character 17) and the MOD 31 check character (character 18).
 *
 * Built by scripts/build-native.py (make native); the header comes from the pinned DuckDB source
 * distribution at build time and is not part of this repository.
 */
#define DUCKDB_EXTENSION_NAME xc
#include "duckdb_extension.h"

#include <stdint.h>
#include <string.h>

DUCKDB_EXTENSION_EXTERN

static inline const char *str_data(duckdb_string_t *s) {
	return s->value.inlined.length <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
}

static inline uint32_t str_len(duckdb_string_t *s) {
	return s->value.inlined.length;
}

/* The rows of the result that are NULL because an input is NULL; the others are left valid. */
static uint64_t *result_validity(duckdb_data_chunk input, duckdb_vector output, idx_t rows, idx_t columns) {
	uint64_t *out = NULL;
	for (idx_t c = 0; c < columns; c++) {
		uint64_t *in = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(input, c));
		if (!in) {
			continue;
		}
		if (!out) {
			duckdb_vector_ensure_validity_writable(output);
			out = duckdb_vector_get_validity(output);
		}
		for (idx_t w = 0; w < (rows + 63) / 64; w++) {
			out[w] &= in[w];
		}
	}
	return out;
}

static inline int row_valid(const uint64_t *validity, idx_t row) {
	return !validity || (validity[row / 64] >> (row % 64)) & 1;
}

/* v as a number when it is exactly n ASCII digits, else -1. */
static inline int64_t digits_value(duckdb_string_t *s, int32_t n) {
	if (n < 1 || n > 18 || str_len(s) != (uint32_t)n) {
		return -1;
	}
	const unsigned char *p = (const unsigned char *)str_data(s);
	int64_t value = 0;
	for (int32_t i = 0; i < n; i++) {
		unsigned d = (unsigned)p[i] - '0';
		if (d > 9) {
			return -1;
		}
		value = value * 10 + d;
	}
	return value;
}

static void xc_digits(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
	(void)info;
	idx_t rows = duckdb_data_chunk_get_size(input);
	duckdb_string_t *v = (duckdb_string_t *)duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 0));
	int32_t *n = (int32_t *)duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 1));
	int64_t *out = (int64_t *)duckdb_vector_get_data(output);
	uint64_t *validity = result_validity(input, output, rows, 2);
	for (idx_t i = 0; i < rows; i++) {
		if (!row_valid(validity, i)) {
			continue;
		}
		int64_t value = digits_value(&v[i], n[i]);
		if (value < 0) {
			if (!validity) {
				duckdb_vector_ensure_validity_writable(output);
				validity = duckdb_vector_get_validity(output);
			}
			validity[i / 64] &= ~((uint64_t)1 << (i % 64));
		} else {
			out[i] = value;
		}
	}
}

static const int ID_WEIGHTS[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char ID_CHECK[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
static const int MONTH_DAYS[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static inline int id_ok(duckdb_string_t *s, int32_t today, duckdb_string_t *provinces) {
	if (str_len(s) != 18 || str_len(provinces) != 100) {
		return 0;
	}
	const unsigned char *p = (const unsigned char *)str_data(s);
	unsigned d[17];
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		d[i] = (unsigned)p[i] - '0';
		if (d[i] > 9) {
			return 0;
		}
		sum += (int)d[i] * ID_WEIGHTS[i];
	}
	if (p[17] != ID_CHECK[sum % 11]) {
		return 0; /* also refuses a last character that is neither a digit nor X */
	}
	if (str_data(provinces)[d[0] * 10 + d[1]] != '1') {
		return 0;
	}
	int year = (int)(d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9]);
	int month = (int)(d[10] * 10 + d[11]);
	int day = (int)(d[12] * 10 + d[13]);
	int32_t ymd = year * 10000 + month * 100 + day;
	if (ymd < 19000101 || ymd > today || month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month]) {
		return 0;
	}
	if (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))) {
		return 0;
	}
	return 1;
}

static void xc_id_ok(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
	(void)info;
	idx_t rows = duckdb_data_chunk_get_size(input);
	duckdb_string_t *v = (duckdb_string_t *)duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 0));
	int32_t *today = (int32_t *)duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 1));
	duckdb_string_t *provinces =
	    (duckdb_string_t *)duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 2));
	bool *out = (bool *)duckdb_vector_get_data(output);
	uint64_t *validity = result_validity(input, output, rows, 3);
	for (idx_t i = 0; i < rows; i++) {
		out[i] = row_valid(validity, i) && id_ok(&v[i], today[i], &provinces[i]);
	}
}

/* GB 32100 code alphabet: digits and the upper-case letters but I, O, S, V, Z; the table holds value + 1 and 0
 * for every other byte. Constant data (no initialisation at load: several DuckDB instances in one process
 * share it while they run). */
static const unsigned char USCC_CODE[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9,
	['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['G'] = 17, ['H'] = 18,
	['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24, ['Q'] = 25, ['R'] = 26, ['T'] = 27,
	['U'] = 28, ['W'] = 29, ['X'] = 30, ['Y'] = 31
};
static const char USCC_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int USCC_WEIGHTS[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
static const int ORG_WEIGHTS[8] = {3, 7, 9, 10, 5, 8, 4, 2};
static const char ORG_CHECK[12] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X', '0'};

/* GB 11714 value of a character already known to be in the code alphabet: digits, then A = 10 … Z = 35. */
static inline int org_value(unsigned char c) {
	return c <= '9' ? c - '0' : c - 'A' + 10;
}

static inline int uscc_ok(duckdb_string_t *s) {
	if (str_len(s) != 18) {
		return 0;
	}
	const unsigned char *p = (const unsigned char *)str_data(s);
	int sum = 0;
	for (int i = 0; i < 18; i++) {
		int value = USCC_CODE[p[i]] - 1;
		if (value < 0) {
			return 0;
		}
		if (i < 17) {
			sum += value * USCC_WEIGHTS[i];
		}
	}
	int org = 0;
	for (int i = 0; i < 8; i++) {
		org += org_value(p[8 + i]) * ORG_WEIGHTS[i];
	}
	return p[16] == ORG_CHECK[11 - org % 11] && p[17] == USCC_ALPHABET[(31 - sum % 31) % 31];
}

static void xc_uscc_ok(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
	(void)info;
	idx_t rows = duckdb_data_chunk_get_size(input);
	duckdb_string_t *v = (duckdb_string_t *)duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 0));
	bool *out = (bool *)duckdb_vector_get_data(output);
	uint64_t *validity = result_validity(input, output, rows, 1);
	for (idx_t i = 0; i < rows; i++) {
		out[i] = row_valid(validity, i) && uscc_ok(&v[i]);
	}
}

static int register_function(duckdb_connection connection, const char *name, duckdb_scalar_function_t function,
                             const duckdb_type *parameters, idx_t count, duckdb_type result) {
	duckdb_scalar_function f = duckdb_create_scalar_function();
	duckdb_scalar_function_set_name(f, name);
	for (idx_t i = 0; i < count; i++) {
		duckdb_logical_type t = duckdb_create_logical_type(parameters[i]);
		duckdb_scalar_function_add_parameter(f, t);
		duckdb_destroy_logical_type(&t);
	}
	duckdb_logical_type r = duckdb_create_logical_type(result);
	duckdb_scalar_function_set_return_type(f, r);
	duckdb_destroy_logical_type(&r);
	duckdb_scalar_function_set_function(f, function);
	duckdb_state state = duckdb_register_scalar_function(connection, f);
	duckdb_destroy_scalar_function(&f);
	return state == DuckDBSuccess;
}

DUCKDB_EXTENSION_ENTRYPOINT(duckdb_connection connection, duckdb_extension_info info,
                            struct duckdb_extension_access *access) {
	(void)info;
	(void)access;
	const duckdb_type digits[] = {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_INTEGER};
	const duckdb_type id[] = {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_VARCHAR};
	const duckdb_type uscc[] = {DUCKDB_TYPE_VARCHAR};
	return register_function(connection, "xc_digits", xc_digits, digits, 2, DUCKDB_TYPE_BIGINT) &&
	       register_function(connection, "xc_id_ok", xc_id_ok, id, 3, DUCKDB_TYPE_BOOLEAN) &&
	       register_function(connection, "xc_uscc_ok", xc_uscc_ok, uscc, 1, DUCKDB_TYPE_BOOLEAN);
}
