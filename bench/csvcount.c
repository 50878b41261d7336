/*
 * csvcount.c: the C floor for the reader benchmark (Scripts/bench-reader.sh).
 *
 *   csvcount FILE
 *
 * Reads FILE in 1 MiB blocks with read(2), parses it with libcsv in strict mode
 * (CSV_STRICT | CSV_STRICT_FINI, default options otherwise: comma, double quote,
 * libcsv's default space/terminator handling), and counts fields (cb1) and records
 * (cb2). Prints exactly one line to stdout:
 *
 *   records=R fields=F bytes=B
 *
 * R includes the header record; B is the number of bytes read. On a parse or I/O
 * error prints a message to stderr and exits 1.
 *
 * Note: libcsv skips blank lines without a callback, so R counts non-blank records.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (1u << 20)

typedef struct {
    unsigned long long records;
    unsigned long long fields;
} Counts;

static void on_field(void *s, size_t len, void *data) {
    (void)s;
    (void)len;
    ((Counts *)data)->fields++;
}

static void on_record(int c, void *data) {
    (void)c;
    ((Counts *)data)->records++;
}

int main(int argc, char **argv) {
    /* -k: keep going after a parse error (skip to the next line, count it), for inputs
       with planted defects; the floor then does no less work than the pipeline's reader. */
    int keep_going = 0;
    if (argc == 3 && strcmp(argv[1], "-k") == 0) {
        keep_going = 1;
        argv++;
        argc--;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s [-k] FILE\n", argv[0]);
        return 2;
    }
    unsigned long long errors = 0;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "csvcount: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    static char buf[BLOCK];
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fprintf(stderr, "csvcount: csv_init failed\n");
        return 1;
    }
    Counts counts = {0, 0};
    unsigned long long bytes = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "csvcount: %s: read: %s\n", argv[1], strerror(errno));
            return 1;
        }
        if (n == 0) break;
        size_t done = csv_parse(&p, buf, (size_t)n, on_field, on_record, &counts);
        while (keep_going && done != (size_t)n) {
            errors++;
            csv_free(&p);
            csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
            char *nl = memchr(buf + done, '\n', (size_t)n - done);
            if (!nl) { done = (size_t)n; break; }
            size_t from = (size_t)(nl - buf) + 1;
            done = from + csv_parse(&p, buf + from, (size_t)n - from, on_field, on_record, &counts);
        }
        if (done != (size_t)n) {
            fprintf(stderr, "csvcount: %s: parse error at byte offset %llu: %s\n", argv[1],
                    bytes + done, csv_strerror(csv_error(&p)));
            return 1;
        }
        bytes += (unsigned long long)n;
    }
    close(fd);
    if (csv_fini(&p, on_field, on_record, &counts) != 0 && !keep_going) {
        fprintf(stderr, "csvcount: %s: parse error at end of file: %s\n", argv[1],
                csv_strerror(csv_error(&p)));
        return 1;
    }
    csv_free(&p);
    if (keep_going)
        printf("records=%llu fields=%llu bytes=%llu errors=%llu\n", counts.records, counts.fields, bytes, errors);
    else
        printf("records=%llu fields=%llu bytes=%llu\n", counts.records, counts.fields, bytes);
    return 0;
}
