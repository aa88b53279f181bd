/*
 * Native smoke test of guest/glue/eryx_glue.c: the glue compiled for the host against the native
 * build Python of the same version, with a recording stub for eryx.report_exception and the
 * stdlib zip on the search path. Run by guest/tests/run-glue-native-test.sh; no Wasm host needed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t eryx_init(void);
int32_t eryx_execute(const char* code, size_t len);
void* eryx_alloc(size_t);
void eryx_free(void*);

static char last_type[256], last_msg[1024], last_tb[8192];
static int reports;

void eryx_host_report_result(int32_t kind, const char* t, size_t tl) {
  (void)kind;
  (void)t;
  (void)tl;
}

void eryx_host_report_exception(const char* t, size_t tl, const char* m, size_t ml, const char* b,
                                size_t bl) {
  reports++;
  snprintf(last_type, sizeof last_type, "%.*s", (int)tl, t);
  snprintf(last_msg, sizeof last_msg, "%.*s", (int)ml, m);
  snprintf(last_tb, sizeof last_tb, "%.*s", (int)bl, b);
}

static int failures;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

static int run(const char* code) {
  reports = 0;
  last_type[0] = last_msg[0] = last_tb[0] = 0;
  size_t n = strlen(code);
  char* buf = eryx_alloc(n); /* not NUL-terminated on purpose, like the host's copy */
  memcpy(buf, code, n);
  int st = eryx_execute(buf, n);
  eryx_free(buf);
  return st;
}

int main(void) {
  CHECK(eryx_execute("1", 1) == 2); /* before init */
  CHECK(eryx_init() == 0);
  CHECK(eryx_init() == 0); /* idempotent */

  CHECK(run("x = 40\nprint('hello from the guest')") == 0 && reports == 0);
  CHECK(run("x += 2\nassert x == 42") == 0); /* state persists in __main__ */
  CHECK(run("import sys\nassert sys.argv == ['python'], sys.argv\n"
            "assert sys.executable == '/usr/local/bin/python3', sys.executable\n"
            "assert sys.flags.utf8_mode == 1 and sys.flags.isolated == 1\n"
            "assert 'site' not in sys.modules\n"
            "assert sys.dont_write_bytecode\n"
            "import json; assert json.__file__.endswith('python313.zip/json/__init__.pyc'), "
            "json.__file__\n") == 0);
  if (reports) fprintf(stderr, "%s\n", last_tb);

  CHECK(run("def f():\n    raise ValueError('bad value')\n\nf()\n") == 1);
  CHECK(reports == 1 && strcmp(last_type, "ValueError") == 0 && strcmp(last_msg, "bad value") == 0);
  CHECK(strstr(last_tb, "File \"<exec>\", line 2, in f") &&
        strstr(last_tb, "raise ValueError('bad value')"));
  CHECK(strstr(last_tb, "ValueError: bad value\n") != NULL);

  CHECK(run("import json\njson.loads('{')") == 1);
  CHECK(strcmp(last_type, "json.decoder.JSONDecodeError") == 0);
  CHECK(strstr(last_tb, "json/decoder.py") && strstr(last_tb, "json.loads('{')"));

  CHECK(run("class E(Exception): pass\nraise E('x')") == 1 && strcmp(last_type, "E") == 0);
  CHECK(run("def broken(:\n  pass") == 1 && strcmp(last_type, "SyntaxError") == 0);
  CHECK(strstr(last_tb, "def broken(:") != NULL);
  CHECK(run("raise SystemExit") == 0 && reports == 0);
  CHECK(run("import sys; sys.exit(0)") == 0 && reports == 0);
  CHECK(run("import sys; sys.exit(None)") == 0 && reports == 0);
  CHECK(run("import sys; sys.exit(3)") == 1 && strcmp(last_type, "SystemExit") == 0 &&
        strcmp(last_msg, "3") == 0);
  CHECK(run("raise KeyboardInterrupt") == 1 && strcmp(last_type, "KeyboardInterrupt") == 0);
  CHECK(run("raise MemoryError") == 1 && strcmp(last_type, "MemoryError") == 0);
  CHECK(
      run("class S(Exception):\n    def __str__(self): raise RuntimeError('no str')\nraise S()") ==
      1);
  CHECK(strcmp(last_type, "S") == 0);
  CHECK(run("x = 'caf\xc3\xa9 \xe2\x82\xac'\nassert len(x) == 6, len(x)\nprint(x)") == 0);
  { /* invalid UTF-8 is reported as the code's error */
    const char bad[] = {'x', '=', '\xff'};
    reports = 0;
    CHECK(eryx_execute(bad, sizeof bad) == 1 && strcmp(last_type, "UnicodeDecodeError") == 0);
  }
  CHECK(run("import sys\nsys.stdout.write('no newline, flushed by the glue')") == 0);
  CHECK(run("print('after', x)") == 0);
  CHECK(run("import sqlite3, zlib, decimal, asyncio\n"
            "c = sqlite3.connect(':memory:'); c.execute('create table t(a)'); c.execute('insert "
            "into t values (1)')\n"
            "assert c.execute('select sum(a) from t').fetchone() == (1,)\n"
            "assert zlib.decompress(zlib.compress(b'abc')) == b'abc'\n"
            "async def main(): return 7\nassert asyncio.run(main()) == 7\n") == 0);
  if (reports) fprintf(stderr, "%s\n", last_tb);
  CHECK(eryx_alloc(0) != NULL);

  fprintf(stderr, "\n%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
  return failures ? 1 : 0;
}
