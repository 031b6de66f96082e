/* Plot files: the target check, line plots (the default line figure drawn), and an
 * experiment's own figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/figure.h"
#include "phaselab/report.h"

pl_status pl_plot_target(const char *file, const char **dev, char *err, size_t errlen)
{
    const char *dot = strrchr(file, '.');
    *dev = !dot                          ? NULL
           : strcmp(dot, ".png") == 0 ? "pngcairo"
           : strcmp(dot, ".svg") == 0 ? "svgcairo"
           : strcmp(dot, ".pdf") == 0 ? "pdfcairo"
                                      : NULL;
    if (!*dev) {
        snprintf(err, errlen, "plot file '%s': use a .png, .svg or .pdf name", file);
        return PL_EINVAL;
    }
    FILE *probe = fopen(file, "wb");
    if (!probe) {
        snprintf(err, errlen, "plot file '%s' cannot be written", file);
        return PL_EIO;
    }
    fclose(probe);
    return PL_OK;
}

pl_status pl_plot_lines(const char *file, const pl_experiment *e, const pl_records *recs,
                        const pl_plot_opts *o, char *err, size_t errlen)
{
    const char *dev;
    pl_status st = pl_plot_target(file, &dev, err, errlen);
    if (st != PL_OK) return st;
    pl_figure f;
    pl_figure_init(&f, NULL);
    st = pl_figure_lines(e, recs, o, &f, err, errlen);
    if (st == PL_OK) {
        f.width = o->width;
        f.height = o->height;
        st = pl_figure_draw(&f, file, err, errlen);
    }
    pl_figure_free(&f);
    return st;
}

pl_status pl_plot_experiment(const char *file, const pl_experiment *e, const pl_records *recs,
                             const pl_plot_opts *o, char *err, size_t errlen)
{
    if (e->figure) {
        const char *dev;
        pl_status st = pl_plot_target(file, &dev, err, errlen);
        if (st != PL_OK) return st;
        pl_figure f;
        pl_figure_init(&f, e->name);
        st = e->figure(e, recs, &f);
        if (st != PL_OK) {
            snprintf(err, errlen, "figure of '%s': %s", e->name, pl_strerror(st));
        } else {
            if (o->width > 0) f.width = o->width;
            if (o->height > 0) f.height = o->height;
            if (o->title) snprintf(f.title, sizeof f.title, "%s", o->title);
            st = pl_figure_draw(&f, file, err, errlen);
        }
        pl_figure_free(&f);
        return st;
    }
    if (e->plot) return e->plot(e, recs, file, err, errlen);
    pl_plot_opts d = *o;
    if (!d.x) d.x = e->plot_x;
    if (!d.y) d.y = e->plot_y;
    return pl_plot_lines(file, e, recs, &d, err, errlen);
}
