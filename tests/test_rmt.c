/* Random-matrix laws: mass and moments by quadrature, Stieltjes transforms against numerical
 * integrals and their far-field expansion, Hilbert transforms, support edges against the
 * closed-form discriminant of spec 04 T1, a finite-d sample, and polynomial roots. */
#include <complex.h>
#include <stdlib.h>
#include <string.h>
#include "phaselab/mat.h"
#include "phaselab/rmt.h"
#include "phaselab/rng.h"
#include "pl_test.h"

#define PI 3.14159265358979323846

/* ---- local quadrature: composite Gauss–Legendre (20 points) in theta, where
 * x = (a + b)/2 - (b - a)/2 cos(theta): square-root edges become smooth. ---------------- */

#define GL_N 20
static double gl_x[GL_N], gl_w[GL_N];

static void gl_init(void)
{
    for (int i = 0; i < GL_N; i++) {
        double x = cos(PI * (i + 0.75) / (GL_N + 0.5)), dp = 1;
        for (int it = 0; it < 100; it++) {
            double p0 = 1, p1 = x;
            for (int k = 2; k <= GL_N; k++) {
                double p2 = ((2.0 * k - 1) * x * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = GL_N * (x * p1 - p0) / (x * x - 1);
            double dx = p1 / dp;
            x -= dx;
            if (fabs(dx) < 1e-16) break;
        }
        gl_x[i] = x;
        gl_w[i] = 2.0 / ((1 - x * x) * dp * dp);
    }
}

typedef void (*node_fn)(double x, double w, void *ctx);

/* calls f(x, weight) on the nodes of an (edge-substituted) rule for int_a^b f(x) dx */
static void for_nodes(double a, double b, int panels, node_fn f, void *ctx)
{
    double h = PI / panels, c = 0.5 * (a + b), r = 0.5 * (b - a);
    for (int p = 0; p < panels; p++)
        for (int i = 0; i < GL_N; i++) {
            double th = h * (p + 0.5 * (gl_x[i] + 1));
            f(c - r * cos(th), 0.5 * h * gl_w[i] * r * sin(th), ctx);
        }
}

typedef double (*dens_fn)(double x, const void *law);

typedef struct {
    dens_fn rho;
    const void *law;
    double m[3];            /* mass, first, second moment */
    double complex z, g;    /* Stieltjes accumulator at z */
    double xh, h;           /* plain (off-support) Hilbert accumulator at xh */
} acc_t;

static void acc_node(double x, double w, void *ctx)
{
    acc_t *a = ctx;
    double r = a->rho(x, a->law) * w;
    a->m[0] += r;
    a->m[1] += r * x;
    a->m[2] += r * x * x;
    a->g += r / (x - a->z);
    a->h += r / (a->xh - x);
}

/* integrate over the support intervals given as edges[0..ne-1] */
static acc_t integrate(dens_fn rho, const void *law, const double *edges, size_t ne,
                       double complex z, double xh, int panels)
{
    acc_t a = {rho, law, {0, 0, 0}, z, 0, xh, 0};
    for (size_t i = 0; i + 1 < ne; i += 2) for_nodes(edges[i], edges[i + 1], panels, acc_node, &a);
    return a;
}

typedef struct { double s2, c; } par_t;
static double sc_rho(double x, const void *p) { return pl_semicircle_density(x, ((const par_t *)p)->s2); }
static double mp_rho(double x, const void *p)
{
    const par_t *q = p;
    return pl_mp_density(x, q->c, q->s2);
}
static double mpsc_rho(double x, const void *p) { return pl_mpsc_density(p, x); }

/* p.v. int_a^b rho(t)/(x - t) dt with x in (a, b), by subtracting rho(x) */
typedef struct { dens_fn rho; const void *law; double x, rx, sum; } pv_t;
static void pv_node(double t, double w, void *ctx)
{
    pv_t *p = ctx;
    p->sum += w * (p->rho(t, p->law) - p->rx) / (p->x - t);
}
static double pv_integral(dens_fn rho, const void *law, const double *edges, size_t ne, double x)
{
    double s = 0;
    for (size_t i = 0; i + 1 < ne; i += 2) {
        double a = edges[i], b = edges[i + 1];
        if (x > a && x < b) {
            pv_t p = {rho, law, x, rho(x, law), 0};
            for_nodes(a, b, 200, pv_node, &p);
            s += p.sum + p.rx * log((x - a) / (b - x));
        } else {
            acc_t acc = integrate(rho, law, edges + i, 2, 0, x, 100);
            s += acc.h;
        }
    }
    return s;
}

static void test_poly_roots(void)
{
    double complex r[5];
    const double c1[4] = {6, -7, 0, 1}; /* (x-1)(x-2)(x+3) */
    CHECK(pl_poly_roots(c1, 3, r) == PL_OK, "cubic roots");
    double want[3] = {-3, 1, 2};
    for (int i = 0; i < 3; i++) {
        int found = 0;
        for (int j = 0; j < 3; j++)
            if (cabs(r[j] - want[i]) < 1e-13 && cimag(r[j]) == 0) found = 1;
        CHECK(found, "root %g of (x-1)(x-2)(x+3)", want[i]);
    }
    const double c2[3] = {5, 2, 1}; /* -1 +- 2i */
    CHECK(pl_poly_roots(c2, 2, r) == PL_OK, "quadratic roots");
    CHECK(cabs(r[0] - CMPLX(-1, 2)) < 1e-14 && cabs(r[1] - CMPLX(-1, -2)) < 1e-14,
          "complex pair %g%+gi, %g%+gi (Im > 0 first, exact conjugates)", creal(r[0]), cimag(r[0]),
          creal(r[1]), cimag(r[1]));
    CHECK(r[1] == conj(r[0]), "exact conjugates");
    /* (x-1)...(x-5) = x^5 - 15x^4 + 85x^3 - 225x^2 + 274x - 120 */
    const double c3[6] = {-120, 274, -225, 85, -15, 1};
    CHECK(pl_poly_roots(c3, 5, r) == PL_OK, "quintic");
    for (int i = 1; i <= 5; i++) {
        double e = INFINITY;
        for (int j = 0; j < 5; j++) e = fmin(e, cabs(r[j] - i));
        CHECK(e < 1e-11, "quintic root %d (err %.3g)", i, e);
    }
    /* complex coefficients: (x - i)(x - 2 + i) = x^2 - 2x + (1 + 2i) */
    const double complex cc[3] = {CMPLX(1, 2), -2, 1};
    CHECK(pl_poly_roots_cplx(cc, 2, r) == PL_OK, "complex-coefficient roots");
    int ok = (cabs(r[0] - I) < 1e-14 && cabs(r[1] - CMPLX(2, -1)) < 1e-14) ||
             (cabs(r[1] - I) < 1e-14 && cabs(r[0] - CMPLX(2, -1)) < 1e-14);
    CHECK(ok, "roots i and 2 - i");
    const double bad[3] = {1, 2, 0}, nanc[3] = {1, NAN, 1};
    CHECK(pl_poly_roots(bad, 2, r) == PL_EINVAL, "zero leading coefficient");
    CHECK(pl_poly_roots(nanc, 2, r) == PL_ENAN, "NaN coefficient");
    CHECK(pl_poly_roots(c1, 0, NULL) == PL_OK, "degree 0");
}

/* Stieltjes transform checks shared by the three laws: numerical integral at z0, far-field
 * expansion -1/z - m1/z^2 - m2/z^3, Im g > 0, conjugate symmetry. */
static void check_stieltjes(double complex (*g)(double complex, const void *), const void *law,
                            double complex g_num, double complex z0, double m1, double m2,
                            double tol, const char *what)
{
    double complex gz = g(z0, law);
    CHECK(cabs(gz - g_num) < tol, "%s: g(z0) = %.12g%+.12gi, quadrature %.12g%+.12gi", what,
          creal(gz), cimag(gz), creal(g_num), cimag(g_num));
    CHECK(cimag(gz) > 0, "%s: Im g > 0", what);
    CHECK(cabs(g(conj(z0), law) - conj(gz)) < 1e-14, "%s: conjugate symmetry", what);
    const double complex zs[3] = {CMPLX(200, 50), CMPLX(-150, 300), CMPLX(0, 400)};
    for (int i = 0; i < 3; i++) {
        double complex z = zs[i], far = -1 / z - m1 / (z * z) - m2 / (z * z * z);
        double err = cabs(g(z, law) - far), bound = 20.0 * pow(cabs(z), -4) * (1 + m2 * m2);
        CHECK(err < bound, "%s: far field at %g%+gi (err %.3g)", what, creal(z), cimag(z), err);
    }
}

static double complex sc_g(double complex z, const void *p) { return pl_semicircle_stieltjes(z, ((const par_t *)p)->s2); }
static double complex mp_g(double complex z, const void *p)
{
    const par_t *q = p;
    return pl_mp_stieltjes(z, q->c, q->s2);
}
static double complex mpsc_g(double complex z, const void *p) { return pl_mpsc_stieltjes(p, z); }

static void test_semicircle_mp(void)
{
    const double complex z0 = CMPLX(0.3, 0.5);
    /* semicircle */
    par_t sc = {1.7, 0};
    double e[2];
    pl_semicircle_edges(sc.s2, &e[0], &e[1]);
    CHECK_CLOSE(e[1], 2 * sqrt(1.7), 1e-15, "semicircle edge");
    acc_t a = integrate(sc_rho, &sc, e, 2, z0, 10.0, 40);
    CHECK_CLOSE(a.m[0], 1.0, 1e-12, "semicircle mass");
    CHECK_CLOSE(a.m[1], 0.0, 1e-12, "semicircle mean");
    CHECK_CLOSE(a.m[2], 1.7, 1e-12, "semicircle variance");
    check_stieltjes(sc_g, &sc, a.g, z0, 0.0, 1.7, 1e-10, "semicircle");
    /* on the real axis: g(x + i0) = -x/(2 s2) + i pi rho(x), whichever sign of zero */
    double complex gx = pl_semicircle_stieltjes(CMPLX(0.4, -0.0), 1.7);
    CHECK_CLOSE(creal(gx), -0.4 / 3.4, 1e-14, "semicircle Hilbert");
    CHECK_CLOSE(cimag(gx), PI * pl_semicircle_density(0.4, 1.7), 1e-14, "semicircle Im g = pi rho");

    /* Marchenko–Pastur, c < 1 and c > 1 (atom) */
    const double cs[2] = {0.4, 2.5};
    for (int t = 0; t < 2; t++) {
        par_t mp = {1.3, cs[t]};
        pl_mp_edges(mp.c, mp.s2, &e[0], &e[1]);
        double atom = pl_mp_atom(mp.c);
        a = integrate(mp_rho, &mp, e, 2, z0, 0, 40);
        CHECK_CLOSE(a.m[0] + atom, 1.0, 1e-12, "MP mass + atom");
        CHECK_CLOSE(a.m[1], mp.s2, 1e-12, "MP mean s2");
        CHECK_CLOSE(a.m[2], mp.s2 * mp.s2 * (1 + mp.c), 1e-11, "MP second moment s2^2 (1 + c)");
        double complex gnum = a.g - atom / z0;
        check_stieltjes(mp_g, &mp, gnum, z0, mp.s2, mp.s2 * mp.s2 * (1 + mp.c), 1e-10, "MP");
        double xm = 0.5 * (e[0] + e[1]);
        gx = pl_mp_stieltjes(xm, mp.c, mp.s2);
        CHECK_CLOSE(cimag(gx), PI * pl_mp_density(xm, mp.c, mp.s2), 1e-13, "MP Im g = pi rho");
    }
    CHECK_CLOSE(pl_mp_atom(2.5), 0.6, 1e-15, "MP atom");
    CHECK(pl_mp_atom(0.5) == 0.0, "no atom for c < 1");
    CHECK(isnan(pl_mp_density(1.0, -1.0, 1.0)), "invalid MP ratio");
    /* MP at c = 1: 1/sqrt(x) edge at 0 (the substitution makes it integrable) */
    par_t mp1 = {1.0, 1.0};
    pl_mp_edges(1.0, 1.0, &e[0], &e[1]);
    a = integrate(mp_rho, &mp1, e, 2, z0, 0, 40);
    CHECK_CLOSE(a.m[0], 1.0, 1e-12, "MP c = 1 mass");
}

/* closed-form discriminant quartic of spec 04 T1 (k = kappa, s = xi) */
static double spec_quartic(double k, double s, double x)
{
    double c4 = k * k, c3 = -2 * k - 2 * k * k - 2 * k * k * k * s;
    double c2 = 1 - 2 * k + k * k - 2 * k * k * s + 8 * k * k * k * s + k * k * k * k * s * s;
    double c1 = 8 * k * s + 2 * k * k * s - 10 * k * k * k * s + 8 * k * k * k * s * s -
                2 * k * k * k * k * s * s;
    double c0 = -4 * s + 12 * k * s - 12 * k * k * s + 4 * k * k * k * s - 8 * k * k * s * s -
                20 * k * k * k * s * s + k * k * k * k * s * s - 4 * k * k * k * k * s * s * s;
    return (((c4 * x + c3) * x + c2) * x + c1) * x + c0;
}

static void test_mpsc(void)
{
    const struct { double kappa, xi; size_t nedges; } cases[] = {
        {0.3, 1e-4, 4}, {0.3, 0.01, 4}, {0.3, 0.05, 4}, {0.3, 1.0, 2}, {0.5, 0.2, 0}, {1.0, 0.3, 2},
        {2.0, 0.5, 2}, {0.5, 0.0, 2}, {1.0, 0.0, 2}, {3.0, 0.0, 2},
    };
    const double complex z0 = CMPLX(0.7, 0.3);
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        double k = cases[t].kappa, s = cases[t].xi;
        char what[64];
        snprintf(what, sizeof what, "mpsc(kappa=%g, xi=%g)", k, s);
        pl_mpsc law;
        pl_status st = pl_mpsc_init(&law, k, s);
        CHECK(st == PL_OK, "%s init: %s", what, pl_strerror(st));
        if (st != PL_OK) continue;
        if (cases[t].nedges) CHECK(law.nedges == cases[t].nedges, "%s: %zu edges", what, law.nedges);
        for (size_t i = 1; i < law.nedges; i++) CHECK(law.edges[i] > law.edges[i - 1], "%s: edges ascending", what);
        CHECK(s == 0 || law.atom == 0, "%s: no atom for xi > 0", what);
        /* edges are roots of the spec's closed-form quartic (scaled by its size nearby) */
        if (s > 0)
            for (size_t i = 0; i < law.nedges; i++) {
                double x = law.edges[i], h = 1e-3 * (1 + fabs(x));
                double scale = fabs(spec_quartic(k, s, x + h)) + fabs(spec_quartic(k, s, x - h));
                CHECK(fabs(spec_quartic(k, s, x)) < 1e-9 * scale, "%s: edge %g is a root of the spec quartic", what, x);
                CHECK(pl_mpsc_density(&law, x + (i % 2 ? -1 : 1) * 1e-6) > 0, "%s: density inside edge", what);
                CHECK(pl_mpsc_density(&law, x + (i % 2 ? 1 : -1) * 1e-6) == 0, "%s: zero outside edge", what);
            }
        acc_t a = integrate(mpsc_rho, &law, law.edges, law.nedges, z0, law.edges[law.nedges - 1] + 0.5, 30);
        CHECK_CLOSE(a.m[0] + law.atom, 1.0, 1e-9, "mass");
        CHECK_CLOSE(a.m[1], 1.0, 1e-9, "mean 1");
        CHECK_CLOSE(a.m[2], 1 + 1 / k + s, 1e-9, "second moment 1 + 1/kappa + xi");
        if (fabs(a.m[2] - (1 + 1 / k + s)) > 1e-9 || fabs(a.m[0] + law.atom - 1) > 1e-9)
            fprintf(stderr, "  (%s)\n", what);
        double complex gnum = a.g - law.atom / z0;
        check_stieltjes(mpsc_g, &law, gnum, z0, 1.0, 1 + 1 / k + s, 1e-8, what);
        /* near the real axis the transform tends to -H + i pi rho */
        double xm = 0.5 * (law.edges[law.nedges - 2] + law.edges[law.nedges - 1]);
        double complex g1 = pl_mpsc_stieltjes(&law, CMPLX(xm, 1e-9));
        CHECK(fabs(cimag(g1) - PI * pl_mpsc_density(&law, xm)) < 1e-6, "%s: Im g(x + i eps) -> pi rho", what);
        CHECK(fabs(creal(g1) + pl_mpsc_hilbert(&law, xm)) < 1e-6, "%s: Re g(x + i eps) -> -H", what);
        /* Hilbert transform: off the support (plain integral) and inside (principal value) */
        double xo = a.xh;
        CHECK(fabs(pl_mpsc_hilbert(&law, xo) - (a.h + law.atom / xo)) < 1e-9,
              "%s: Hilbert off support %.12g vs %.12g", what, pl_mpsc_hilbert(&law, xo), a.h + law.atom / xo);
        double xl = law.edges[0] - 0.3;
        if (xl != 0) {
            double hn = pv_integral(mpsc_rho, &law, law.edges, law.nedges, xl) + law.atom / xl;
            CHECK(fabs(pl_mpsc_hilbert(&law, xl) - hn) < 1e-8, "%s: Hilbert left of support", what);
        }
        for (size_t i = 0; i + 1 < law.nedges; i += 2) {
            double xi_ = law.edges[i] + 0.37 * (law.edges[i + 1] - law.edges[i]);
            double hn = pv_integral(mpsc_rho, &law, law.edges, law.nedges, xi_) + law.atom / xi_;
            double hv = pl_mpsc_hilbert(&law, xi_);
            CHECK(fabs(hv - hn) < 1e-6, "%s: principal-value Hilbert at %g: %.10g vs %.10g", what, xi_, hv, hn);
        }
        if (law.nedges == 4) { /* gap between the intervals */
            double xg = 0.5 * (law.edges[1] + law.edges[2]);
            double hn = pv_integral(mpsc_rho, &law, law.edges, law.nedges, xg);
            CHECK(fabs(pl_mpsc_hilbert(&law, xg) - hn) < 1e-8, "%s: Hilbert in the gap", what);
            CHECK(pl_mpsc_density(&law, xg) == 0, "%s: empty gap", what);
        }
        if (s == 0) {
            CHECK_CLOSE(pl_mpsc_density(&law, xm), pl_mp_density(xm, 1 / k, 1.0), 1e-15, "xi = 0 is MP");
            CHECK_CLOSE(law.atom, k < 1 ? 1 - k : 0, 1e-15, "xi = 0 atom");
        }
    }
    pl_mpsc law;
    CHECK(pl_mpsc_init(&law, -1, 0.1) == PL_EINVAL, "negative kappa");
    CHECK(pl_mpsc_init(&law, 1, -0.1) == PL_EINVAL, "negative xi");
}

/* Sweeps across and beyond the support: the complex-z root selection against a numerical
 * integral at Im z = 0.05, and the real-axis selection against the complex one at Im z = 1e-10
 * (the two paths select roots by different rules). */
typedef struct { double *t, *w; size_t n; } nodes_t;
static void store_node(double x, double w, void *ctx)
{
    nodes_t *nd = ctx;
    nd->t[nd->n] = x;
    nd->w[nd->n++] = w;
}

static void test_mpsc_sweep(void)
{
    const double cases[][2] = {{0.3, 1e-4}, {0.3, 0.05}, {0.3, 1.0}, {1.0, 0.3}, {2.0, 0.5}, {0.5, 0.0}};
    const int panels = 100;
    nodes_t nd = {malloc(2 * panels * GL_N * sizeof(double)), malloc(2 * panels * GL_N * sizeof(double)), 0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pl_mpsc law;
        CHECK(pl_mpsc_init(&law, cases[c][0], cases[c][1]) == PL_OK, "sweep init");
        nd.n = 0;
        for (size_t i = 0; i + 1 < law.nedges; i += 2) for_nodes(law.edges[i], law.edges[i + 1], panels, store_node, &nd);
        for (size_t i = 0; i < nd.n; i++) nd.w[i] *= pl_mpsc_density(&law, nd.t[i]);
        double lo = law.edges[0] - 1, hi = law.edges[law.nedges - 1] + 1;
        double e1 = 0, e2 = 0, e3 = 0;
        for (int j = 0; j <= 80; j++) {
            double x = lo + (hi - lo) * j / 80.0 + 1e-3;
            double complex z = CMPLX(x, 0.05), gn = -law.atom / z;
            for (size_t i = 0; i < nd.n; i++) gn += nd.w[i] / (nd.t[i] - z);
            e1 = fmax(e1, cabs(pl_mpsc_stieltjes(&law, z) - gn));
            double complex ge = pl_mpsc_stieltjes(&law, CMPLX(x, 1e-10));
            e2 = fmax(e2, fabs(creal(ge) + pl_mpsc_hilbert(&law, x)));
            e3 = fmax(e3, fabs(cimag(ge) - PI * pl_mpsc_density(&law, x)));
        }
        CHECK(e1 < 1e-6, "sweep (%g, %g): g(x + 0.05i) vs quadrature, max err %.3g", cases[c][0], cases[c][1], e1);
        CHECK(e2 < 1e-4, "sweep (%g, %g): -Re g(x + i0+) vs Hilbert, max err %.3g", cases[c][0], cases[c][1], e2);
        CHECK(e3 < 1e-4, "sweep (%g, %g): Im g(x + i0+) vs pi rho, max err %.3g", cases[c][0], cases[c][1], e3);
    }
    free(nd.t);
    free(nd.w);
}

/* finite-d sample: S = W W^T/(kappa d) + GOE with semicircle variance xi */
static void test_mpsc_sample(void)
{
    const size_t d = 400;
    const double k = 0.5, s = 0.3;
    size_t m = (size_t)(k * d);
    pl_rng r;
    pl_rng_init(&r, 5, 0);
    pl_mat W = pl_mat_alloc(d, m), M = pl_mat_alloc(d, d), Z = pl_mat_alloc(d, d);
    pl_rng_normal_mat(&r, W, 1.0);
    pl_syrk(PL_NOTRANS, 1.0 / (double)m, W, 0.0, M);
    pl_rng_goe(&r, Z, sqrt(s / d));
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) PL_AT(M, i, j) += PL_AT(Z, i, j);
    double *ev = malloc(d * sizeof(double));
    CHECK(pl_syev(M, ev) == PL_OK, "sample syev");
    double m2 = 0;
    for (size_t i = 0; i < d; i++) m2 += ev[i] * ev[i] / d;
    pl_mpsc law;
    CHECK(pl_mpsc_init(&law, k, s) == PL_OK, "sample law");
    /* Tr(M^2)/d fluctuates by O(1/d) with a sizeable constant at this aspect ratio */
    CHECK_CLOSE(m2, 1 + 1 / k + s, 0.15, "sample second moment");
    /* the top eigenvalue sits about 1.2 Tracy–Widom scales (~0.08 here) below the edge */
    CHECK_CLOSE(ev[d - 1], law.edges[law.nedges - 1], 0.25, "sample top edge");
    CHECK_CLOSE(ev[0], law.edges[0], 0.25, "sample bottom edge");
    /* empirical CDF against the law's at a few points (eigenvalue counts fluctuate by
     * O(log d / d)) */
    double lo = law.edges[0], hi = law.edges[law.nedges - 1];
    for (int q = 1; q <= 4; q++) {
        double xq = lo + (hi - lo) * q / 5.0, below = 0;
        for (size_t i = 0; i < d; i++) below += ev[i] < xq;
        double e2[2] = {lo, xq};
        acc_t a = integrate(mpsc_rho, &law, e2, 2, 0, 0, 30);
        CHECK_CLOSE(below / d, a.m[0], 0.02, "sample CDF");
    }
    free(ev);
    pl_mat_free(&W); pl_mat_free(&M); pl_mat_free(&Z);
}

int main(void)
{
    gl_init();
    test_poly_roots();
    test_semicircle_mp();
    test_mpsc();
    test_mpsc_sweep();
    test_mpsc_sample();
    return pl_test_done("test_rmt");
}
