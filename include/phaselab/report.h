/* Summaries (mean ± standard error over seeds), tables, CSV / JSON lines, plots. */
#ifndef PHASELAB_REPORT_H
#define PHASELAB_REPORT_H

#include <stdio.h>
#include "phaselab/experiment.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* One row per (cell, source, branch): mean and standard error of each metric over the
 * records that finished (failed / diverged records are counted in nbad, not averaged). */
typedef struct {
    pl_params params;
    char source[32];
    int branch;                   /* ordinal of theory records within a cell (0, 1, ...) */
    size_t nrec, nbad;
    size_t n[PL_MAX_METRICS];
    double mean[PL_MAX_METRICS], se[PL_MAX_METRICS];
    size_t nnc;                   /* records averaged although they did not converge */
} pl_summary_row;

pl_status pl_summarize(const pl_experiment *e, const pl_records *recs, pl_summary_row **rows,
                       size_t *nrows);

/* CSV: header "experiment,source,seed,status," + parameter names + metric names. */
void pl_write_csv_header(FILE *f, const pl_experiment *e);
void pl_write_csv_row(FILE *f, const pl_experiment *e, const pl_record *r);
/* JSON lines: one object per record with the same fields plus message, wall and version. */
void pl_write_jsonl_row(FILE *f, const pl_experiment *e, const pl_record *r);
/* Human table: one line per cell with theory and sim mean ± se per metric. */
pl_status pl_write_table(FILE *f, const pl_experiment *e, const pl_records *recs);

typedef struct {
    const char *x;        /* parameter on the x axis */
    const char *y;        /* metric(s), comma-separated: one panel each */
    int logx, logy;
    int width, height;    /* pixels (default 900 x 600 per panel row) */
    const char *title;    /* NULL: experiment name + fixed parameters */
} pl_plot_opts;

/* The PLplot cairo device for a plot file name (.png, .svg, .pdf), after checking that the file
 * can be written: PL_EINVAL (other extension) or PL_EIO (not writable) with a message. Every
 * plot routine, the experiments' own figures included, starts with it. */
pl_status pl_plot_target(const char *file, const char **dev, char *err, size_t errlen);

/* Line plot: theory as lines, simulation as mean ± standard error with error bars, one curve
 * per combination of the other parameters that vary. Device from the file extension: .png
 * (cairo), .svg, .pdf. */
pl_status pl_plot_lines(const char *file, const pl_experiment *e, const pl_records *recs,
                        const pl_plot_opts *o, char *err, size_t errlen);

/* The default line figure as data: one panel per metric of o->y (comma-separated) against the
 * parameter o->x, one curve per combination of the other parameters that vary (at most
 * PL_CURVES_PER_PANEL curves per panel: more curves go to further panels, never dropped);
 * simulation as mean ± standard error points (hollow where some record did not converge), one
 * marker shape per algorithm; theory as lines, on a fine grid of its own (see
 * pl_experiment.theory_fine) or through the swept points, branches and downward continuation
 * dashed. Title: the experiment (o->title replaces it); subtitle: the fixed parameters. */
#define PL_CURVES_PER_PANEL 10
struct pl_figure;
pl_status pl_figure_lines(const pl_experiment *e, const pl_records *recs, const pl_plot_opts *o,
                          struct pl_figure *fig, char *err, size_t errlen);

/* An experiment's own figure written to file: its `figure` hook when it has one (drawn with
 * pl_figure_draw, o->width / o->height applied), else its legacy `plot` hook, else the line
 * plot of pl_plot_lines with o (whose x and y default to the experiment's plot_x, plot_y). */
pl_status pl_plot_experiment(const char *file, const pl_experiment *e, const pl_records *recs,
                             const pl_plot_opts *o, char *err, size_t errlen);

/* Heat map of a metric over two parameters (a phase diagram): colour = mean of the metric
 * (theory records when source is "theory", else the simulation mean of that source, NULL: the
 * simulation if any else the theory), with ncontours contour lines (0: none) and a colour bar.
 * Cells of the grid with no value are left blank. */
typedef struct {
    const char *x, *y;    /* parameters on the axes */
    const char *z;        /* metric */
    const char *source;
    int logx, logy, logz;
    int ncontours;
    int width, height;
    const char *title;
} pl_heatmap_opts;

pl_status pl_plot_heatmap(const char *file, const pl_experiment *e, const pl_records *recs,
                          const pl_heatmap_opts *o, char *err, size_t errlen);

PL_END_DECLS

#endif
