/* cmd_ingest.c - `dossier ingest`: add documents to a case. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "json/json.h"
#include "nlp/model.h"
#include "pipe/pipe.h"

static const char usage_text[] =
    "usage: dossier ingest PATH... [options]\n"
    "\n"
    "Adds documents to the case: files, directories (recursively, hidden\n"
    "entries skipped) and - for standard input. The format is detected\n"
    "from the content: plain text, Markdown, HTML, e-mail (.eml), JSON\n"
    "Lines, JSON and CSV records. Exact copies are skipped; near copies\n"
    "are stored linked to their original. A file that fails is reported\n"
    "with its path and reason and the rest goes on.\n"
    "\n"
    "options:\n"
    "  --marking M          marking of these documents (default: the\n"
    "                       case's lowest level, CLEAR for TLP)\n"
    "  --source NAME        source of all these documents (default: the\n"
    "                       record's own source field, if any)\n"
    "  --reliability A-F    Admiralty reliability of that source\n"
    "  --credibility 1-6    Admiralty credibility of these documents\n"
    "                       (default 6, cannot be judged)\n"
    "  --jobs N             worker threads (default: number of cores)\n"
    "  --format F           do not detect: every file is F\n"
    "  --lenient            replace invalid UTF-8 with U+FFFD instead of\n"
    "                       failing the file\n"
    "  --field-text F, --field-title F, --field-date F, --field-url F,\n"
    "  --field-source F     record field names for JSON/JSONL/CSV\n"
    "                       (alternatives separated by '|')\n"
    "  --max-file-size N    bytes per file (default 64 MiB; K/M/G suffixes)\n"
    "  --max-text-size N    bytes of text per document (default 8 MiB)\n"
    "  --max-records N      records per file (default 1,000,000)\n"
    "  --near-threshold X   near-duplicate similarity, 0.5-1 (default 0.7)\n"
    "  --ner MODE           entity model: auto (web model for e-mail, news\n"
    "                       model for the rest), news, web or none\n"
    "                       (default auto)\n"
    "  --models DIR         where the models are (default $DOSSIER_MODELS,\n"
    "                       else the models/ directory of the install)\n"
    "  --json               print the summary and every event as JSON\n"
    "  -v, --verbose        print every stored document\n"
    "  -q, --quiet          no progress line\n"
    "  --db PATH            the case (default $DOSSIER_DB or ./dossier.db)\n"
    "\n"
    "Exit status: 0 all stored, 1 some file or record failed, 2 usage.\n";

typedef struct ingest_ui {
    bool json, verbose;
    json_w j;
    buf out;
} ingest_ui;

static void on_event(void *ctx, const pipe_event *ev)
{
    ingest_ui *ui = ctx;
    static const char *kinds[] = {"stored",      "near-duplicate", "duplicate",
                                  "file-failed", "record-failed",  "warning"};
    char where[64] = "";
    if (ev->record_no) {
        snprintf(where, sizeof where, "#%zu", ev->record_no);
    }
    if (ui->json) {
        if (ev->kind == PIPE_EV_STORED && !ui->verbose) {
            return;
        }
        json_obj(&ui->j);
        json_kv_str(&ui->j, "event", kinds[ev->kind]);
        json_kv_str(&ui->j, "path", ev->path);
        if (ev->record_no) {
            json_kv_int(&ui->j, "record", (int64_t)ev->record_no);
        }
        if (ev->doc_id) {
            json_kv_int(&ui->j, "id", ev->doc_id);
        }
        if (ev->kind == PIPE_EV_NEAR_DUPLICATE) {
            json_kv_int(&ui->j, "original", ev->original);
            json_kv_num(&ui->j, "similarity", ev->similarity);
        }
        if (ev->msg) {
            json_kv_str(&ui->j, "message", ev->msg);
        }
        json_end(&ui->j);
        return;
    }
    switch (ev->kind) {
    case PIPE_EV_FILE_FAILED:
        fprintf(stderr, "dossier ingest: %s: %s\n", ev->path, ev->msg);
        break;
    case PIPE_EV_RECORD_FAILED:
        fprintf(stderr, "dossier ingest: %s%s: %s\n", ev->path, where, ev->msg);
        break;
    case PIPE_EV_WARNING:
        fprintf(stderr, "dossier ingest: warning: %s%s: %s\n", ev->path, where,
                ev->msg);
        break;
    case PIPE_EV_DUPLICATE:
        if (ui->verbose) {
            printf("duplicate  %s%s  same text as document %lld\n", ev->path,
                   where, (long long)ev->doc_id);
        }
        break;
    case PIPE_EV_NEAR_DUPLICATE:
        if (ui->verbose) {
            printf("stored %lld  %s%s  near copy of %lld (similarity %.2f)\n",
                   (long long)ev->doc_id, ev->path, where,
                   (long long)ev->original, ev->similarity);
        }
        break;
    case PIPE_EV_STORED:
        if (ui->verbose) {
            printf("stored %lld  %s%s  %s\n", (long long)ev->doc_id, ev->path,
                   where, ev->title ? ev->title : "");
        }
        break;
    }
}

static bool parse_size(const char *val, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(val, &end, 10);
    if (end == val || v == 0) {
        return false;
    }
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k') {
        mul = 1ULL << 10;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        mul = 1ULL << 20;
        end++;
    } else if (*end == 'G' || *end == 'g') {
        mul = 1ULL << 30;
        end++;
    }
    if (*end == 'B' || *end == 'b') {
        end++;
    }
    if (*end || v > (1ULL << 40) / mul) {
        return false;
    }
    *out = (size_t)(v * mul);
    return true;
}

int cmd_ingest(int argc, char **argv)
{
    enum {
        O_MARKING = 256,
        O_SOURCE,
        O_RELIABILITY,
        O_CREDIBILITY,
        O_JOBS,
        O_FORMAT,
        O_LENIENT,
        O_FTEXT,
        O_FTITLE,
        O_FDATE,
        O_FURL,
        O_FSOURCE,
        O_MAXFILE,
        O_MAXTEXT,
        O_MAXREC,
        O_NEAR,
        O_NER,
        O_MODELS,
        O_JSON
    };
    static const struct option opts[] = {
        {"marking", required_argument, NULL, O_MARKING},
        {"source", required_argument, NULL, O_SOURCE},
        {"reliability", required_argument, NULL, O_RELIABILITY},
        {"credibility", required_argument, NULL, O_CREDIBILITY},
        {"jobs", required_argument, NULL, O_JOBS},
        {"format", required_argument, NULL, O_FORMAT},
        {"lenient", no_argument, NULL, O_LENIENT},
        {"field-text", required_argument, NULL, O_FTEXT},
        {"field-title", required_argument, NULL, O_FTITLE},
        {"field-date", required_argument, NULL, O_FDATE},
        {"field-url", required_argument, NULL, O_FURL},
        {"field-source", required_argument, NULL, O_FSOURCE},
        {"max-file-size", required_argument, NULL, O_MAXFILE},
        {"max-text-size", required_argument, NULL, O_MAXTEXT},
        {"max-records", required_argument, NULL, O_MAXREC},
        {"near-threshold", required_argument, NULL, O_NEAR},
        {"ner", required_argument, NULL, O_NER},
        {"models", required_argument, NULL, O_MODELS},
        {"json", no_argument, NULL, O_JSON},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    pipe_opts po;
    pipe_opts_init(&po);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    po.jobs = n > 0 ? (int)n : 1;
    const char *marking = NULL;
    const char *models_dir = NULL;
    pipe_ner_mode ner_mode = PIPE_NER_AUTO;
    bool quiet = false;
    ingest_ui ui = {0};
    int c;
    long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vq", opts, NULL)) != -1) {
        switch (c) {
        case O_MARKING:
            marking = optarg;
            break;
        case O_SOURCE:
            if (!*optarg) {
                return cli_usage_error("ingest", "--source needs a name");
            }
            po.source = optarg;
            break;
        case O_RELIABILITY:
            if (strlen(optarg) != 1 || optarg[0] < 'A' ||
                (optarg[0] > 'F' && (optarg[0] < 'a' || optarg[0] > 'f'))) {
                return cli_usage_error("ingest",
                                       "--reliability '%s' is not one of "
                                       "A-F (Admiralty scale)",
                                       optarg);
            }
            po.reliability = (char)(optarg[0] & ~0x20);
            break;
        case O_CREDIBILITY:
            if (!cli_int_arg("ingest", "--credibility", optarg, 1, 6, &v)) {
                return CLI_USAGE;
            }
            po.credibility = (int)v;
            break;
        case O_JOBS:
            if (!cli_int_arg("ingest", "--jobs", optarg, 1, 256, &v)) {
                return CLI_USAGE;
            }
            po.jobs = (int)v;
            break;
        case O_FORMAT:
            if (!io_format_known(optarg)) {
                return cli_usage_error("ingest",
                                       "unknown --format '%s' (known: %s)",
                                       optarg, io_format_list());
            }
            po.io.format = optarg;
            break;
        case O_LENIENT:
            po.io.lenient = true;
            break;
        case O_FTEXT:
            po.io.field_text = optarg;
            break;
        case O_FTITLE:
            po.io.field_title = optarg;
            break;
        case O_FDATE:
            po.io.field_date = optarg;
            break;
        case O_FURL:
            po.io.field_url = optarg;
            break;
        case O_FSOURCE:
            po.io.field_source = optarg;
            break;
        case O_MAXFILE:
        case O_MAXTEXT: {
            size_t sz;
            if (!parse_size(optarg, &sz)) {
                return cli_usage_error(
                    "ingest", "%s '%s' is not a size (e.g. 16M)",
                    c == O_MAXFILE ? "--max-file-size" : "--max-text-size",
                    optarg);
            }
            if (c == O_MAXFILE) {
                po.io.max_file_bytes = sz;
            } else {
                po.io.max_text_bytes = sz;
            }
            break;
        }
        case O_MAXREC:
            if (!cli_int_arg("ingest", "--max-records", optarg, 1, 100000000,
                             &v)) {
                return CLI_USAGE;
            }
            po.io.max_records = (size_t)v;
            break;
        case O_NER:
            if (!cli_ner_mode_arg("ingest", optarg, &ner_mode)) {
                return CLI_USAGE;
            }
            break;
        case O_MODELS:
            models_dir = optarg;
            break;
        case O_NEAR: {
            char *end;
            double x = strtod(optarg, &end);
            if (*end || end == optarg || x < 0.5 || x > 1.0) {
                return cli_usage_error("ingest",
                                       "--near-threshold '%s' must be a "
                                       "number from 0.5 to 1",
                                       optarg);
            }
            po.near_threshold = x;
            break;
        }
        case O_JSON:
            ui.json = true;
            break;
        case 'v':
            ui.verbose = true;
            break;
        case 'q':
            quiet = true;
            break;
        default: {
            int st = cli_common_option("ingest", c, argv, usage_text);
            if (st != -2) {
                return st == -1 ? cli_usage_error("ingest", "unhandled option")
                                : st;
            }
        }
        }
    }
    if (optind >= argc) {
        return cli_usage_error("ingest", "no PATH given");
    }
    int status;
    kg_db *db = cli_open(KG_OPEN_CREATE, &status);
    if (!db) {
        return status;
    }
    po.marking = kg_marking_lowest();
    if (marking) {
        ds_err e;
        if (kg_marking_parse(db, marking, &po.marking, &e)) {
            fprintf(stderr, "dossier ingest: --marking: %s\n", e.msg);
            kg_close(db);
            return CLI_USAGE;
        }
    }
    /* The models: without them documents are still stored and searchable,
     * only entity mentions are not extracted, and the user is told. */
    pipe_nlp *nlp = NULL;
    if (ner_mode != PIPE_NER_NONE) {
        char dir[4096];
        ds_err e;
        if (!models_dir) {
            models_dir = model_default_dir(dir, sizeof dir);
        }
        if (pipe_nlp_open(models_dir, ner_mode, &nlp, &e)) {
            fprintf(stderr,
                    "dossier ingest: warning: %s; entity mentions are not "
                    "extracted (--models DIR, or --ner none to silence)\n",
                    e.msg);
        }
    }
    po.nlp = nlp;
    po.progress = !quiet && !ui.json && isatty(STDERR_FILENO);
    po.on_event = on_event;
    po.ctx = &ui;
    buf_init(&ui.out, 0);
    json_init(&ui.j, &ui.out);
    if (ui.json) {
        json_obj(&ui.j);
        json_key(&ui.j, "events");
        json_arr(&ui.j);
    }
    pipe_summary sum;
    ds_err e;
    ds_rc rc = pipe_ingest(db, (const char *const *)argv + optind,
                           (size_t)(argc - optind), &po, &sum, &e);
    kg_close(db);
    pipe_nlp_free(nlp);
    double mb = (double)sum.bytes / 1e6;
    if (ui.json) {
        json_end(&ui.j);
        json_key(&ui.j, "summary");
        json_obj(&ui.j);
        json_kv_int(&ui.j, "files", (int64_t)sum.files);
        json_kv_int(&ui.j, "files_failed", (int64_t)sum.files_failed);
        json_kv_int(&ui.j, "records", (int64_t)sum.records);
        json_kv_int(&ui.j, "records_failed", (int64_t)sum.records_failed);
        json_kv_int(&ui.j, "stored", (int64_t)sum.stored);
        json_kv_int(&ui.j, "near_duplicates", (int64_t)sum.near_duplicates);
        json_kv_int(&ui.j, "duplicates", (int64_t)sum.duplicates);
        json_kv_int(&ui.j, "bytes", (int64_t)sum.bytes);
        json_kv_num(&ui.j, "seconds", sum.seconds);
        json_end(&ui.j);
        if (rc) {
            json_kv_str(&ui.j, "error", e.msg);
        }
        json_end(&ui.j);
        buf_putc(&ui.out, '\n');
        cli_print(&ui.out);
    } else {
        printf("stored %zu, near-duplicates %zu, duplicates %zu, "
               "failed files %zu, failed records %zu "
               "(%zu files, %.1f MB, %.2f s, %.0f documents/s)\n",
               sum.stored, sum.near_duplicates, sum.duplicates,
               sum.files_failed, sum.records_failed, sum.files, mb, sum.seconds,
               sum.seconds > 0 ? (double)sum.records / sum.seconds : 0);
    }
    buf_fini(&ui.out);
    if (rc) {
        fprintf(stderr,
                "dossier ingest: %s (the open batch was rolled back; "
                "documents committed before it are kept)\n",
                e.msg);
        return CLI_FAIL;
    }
    return sum.files_failed || sum.records_failed ? CLI_FAIL : CLI_OK;
}
