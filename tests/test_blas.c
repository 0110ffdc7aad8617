/*
 * test_blas.c - the BLAS wrapper (src/blas.c): every transpose combination with leading
 * dimensions larger than the matrices, checked exactly (small integers) against a naive
 * product, and beta = 0 overwriting whatever C held, NaN included (y is the caller's memory).
 */
#include "common.h"
#include "algorithms.h"
#include "kernels.h"

START_TEST(sgemm_transposes)
{
    struct rng r = rng_make(test_seed(), 3);
    const int64_t m = 7, n = 5, k = 6, pad = 3;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const int64_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            float a[(6 + 3) * (7 + 3)], b[(6 + 3) * (7 + 3)], c[7 * (5 + 3)];
            for (int i = 0; i < (int)(sizeof a / sizeof *a); i++) a[i] = (float)rng_int(&r, -4, 4);
            for (int i = 0; i < (int)(sizeof b / sizeof *b); i++) b[i] = (float)rng_int(&r, -4, 4);
            for (int i = 0; i < (int)(sizeof c / sizeof *c); i++) c[i] = NAN;
            tconv__sgemm(ta, tb, m, n, k, a, lda, b, ldb, 0.0f, c, ldc);
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) {
                    float want = 0;
                    for (int64_t l = 0; l < k; l++)
                        want += (ta ? a[l * lda + i] : a[i * lda + l]) * (tb ? b[j * ldb + l] : b[l * ldb + j]);
                    ck_assert_msg(c[i * ldc + j] == want, "trans %d%d: c[%lld][%lld] = %g, want %g (seed %llu)", ta, tb,
                                  (long long)i, (long long)j, c[i * ldc + j], want, (unsigned long long)test_seed());
                }
            /* the padding columns of C are not touched */
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = n; j < ldc && i * ldc + j < (int64_t)(sizeof c / sizeof *c); j++)
                    ck_assert(isnan(c[i * ldc + j]));
        }
}
END_TEST

START_TEST(sgemm_accumulate_and_empty)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4] = {10, 10, 10, 10};
    tconv__sgemm(false, false, 2, 2, 2, a, 2, b, 2, 1.0f, c, 2); /* beta = 1 adds */
    ck_assert(c[0] == 11 && c[1] == 12 && c[2] == 13 && c[3] == 14);
    tconv__sgemm(false, false, 0, 2, 2, a, 2, b, 2, 0.0f, c, 2); /* m = 0: nothing, no BLAS error */
    ck_assert(c[0] == 11);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("blas");
    TCase *tc = tcase_create("blas");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sgemm_transposes);
    tcase_add_test(tc, sgemm_accumulate_and_empty);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
