// The guest's standard library: the modules users rely on import and work.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "eryx/eryx.hpp"

namespace {

struct StdlibCase {
  const char* name;
  const char* code;
  const char* expected;
};

// Keeps test names readable in ctest output (the default prints the struct's bytes).
void PrintTo(const StdlibCase& c, std::ostream* os) { *os << c.name; }

class Stdlib : public testing::TestWithParam<StdlibCase> {};

TEST_P(Stdlib, ModuleImportsAndWorks) {
  const auto& param = GetParam();
  auto result = eryx::Sandbox().execute(param.code);
  EXPECT_EQ(result.stdout_text, param.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Modules, Stdlib,
    testing::Values(
        StdlibCase{"json", "import json; print(json.dumps({'a': [1, 2.5, None]}, sort_keys=True))",
                   "{\"a\": [1, 2.5, null]}\n"},
        StdlibCase{"re", "import re; print(re.findall(r'\\d+', 'a1b22c333'))",
                   "['1', '22', '333']\n"},
        StdlibCase{"decimal", "from decimal import Decimal as D; print(D('1.1') + D('2.2'))",
                   "3.3\n"},
        StdlibCase{"hashlib", "import hashlib; print(hashlib.sha256(b'abc').hexdigest()[:16])",
                   "ba7816bf8f01cfea\n"},
        StdlibCase{"datetime",
                   "import datetime as d; print(d.date(2024, 2, 28) + d.timedelta(days=2))",
                   "2024-03-01\n"},
        StdlibCase{"asyncio",
                   "import asyncio\nasync def f():\n    await asyncio.sleep(0.01)\n    return 7\n"
                   "print(asyncio.run(f()))",
                   "7\n"},
        StdlibCase{"zlib",
                   "import zlib; d = b'x' * 1000; print(zlib.decompress(zlib.compress(d)) == d)",
                   "True\n"},
        StdlibCase{"bz2",
                   "import bz2; d = b'x' * 1000; print(bz2.decompress(bz2.compress(d)) == d)",
                   "True\n"},
        StdlibCase{"lzma",
                   "import lzma; d = b'x' * 1000\n"
                   "print(lzma.decompress(lzma.compress(d)) == d,"
                   " lzma.decompress(lzma.compress(d, format=lzma.FORMAT_ALONE)) == d)",
                   "True True\n"},
        StdlibCase{"tarfile_bz2_and_xz",
                   "import io, tarfile\nout = []\nfor mode in ('bz2', 'xz'):\n"
                   "    b = io.BytesIO()\n"
                   "    with tarfile.open(fileobj=b, mode='w:' + mode) as t:\n"
                   "        i = tarfile.TarInfo('a.txt'); i.size = 5\n"
                   "        t.addfile(i, io.BytesIO(b'hello'))\n"
                   "    b.seek(0)\n"
                   "    with tarfile.open(fileobj=b, mode='r:*') as t:\n"
                   "        out.append(t.extractfile('a.txt').read())\n"
                   "print(out)",
                   "[b'hello', b'hello']\n"},
        StdlibCase{"shutil_unpack_archive_xz",
                   "import os, shutil\nos.makedirs('/tmp/src/d')\n"
                   "open('/tmp/src/d/f.txt', 'w').write('data')\n"
                   "a = shutil.make_archive('/tmp/arch', 'xztar', '/tmp/src')\n"
                   "shutil.unpack_archive(a, '/tmp/out')\n"
                   "print(os.path.basename(a), open('/tmp/out/d/f.txt').read())",
                   "arch.tar.xz data\n"},
        StdlibCase{"collections",
                   "from collections import Counter; print(Counter('abracadabra').most_common(2))",
                   "[('a', 5), ('b', 2)]\n"},
        StdlibCase{"math", "import math; print(math.isqrt(10**20), round(math.pi, 5))",
                   "10000000000 3.14159\n"},
        StdlibCase{"random", "import random; r = random.Random(1); print(r.randint(1, 100))",
                   "18\n"},
        StdlibCase{"struct", "import struct; print(struct.pack('<IH', 1, 2).hex())",
                   "010000000200\n"},
        StdlibCase{"unicodedata", "import unicodedata; print(unicodedata.name('é'))",
                   "LATIN SMALL LETTER E WITH ACUTE\n"},
        StdlibCase{"zipfile",
                   "import io, zipfile\nb = io.BytesIO()\n"
                   "with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:\n"
                   "    z.writestr('a.txt', 'hello' * 100)\n"
                   "print(zipfile.ZipFile(b).read('a.txt')[:5])",
                   "b'hello'\n"},
        StdlibCase{"sqlite3",
                   "import sqlite3\nc = sqlite3.connect(':memory:')\n"
                   "c.execute('create table t(x)'); c.execute('insert into t values (41)')\n"
                   "print(c.execute('select x + 1 from t').fetchone()[0])",
                   "42\n"},
        // The time-zone database is packed into the stdlib zip (PyPI's tzdata).
        StdlibCase{"zoneinfo",
                   "import zoneinfo, datetime as d\nz = zoneinfo.ZoneInfo('America/New_York')\n"
                   "print(d.datetime(2026, 1, 15, 12, tzinfo=z).utcoffset(),"
                   " d.datetime(2026, 7, 15, 12, tzinfo=z).tzname())",
                   "-1 day, 19:00:00 EDT\n"},
        StdlibCase{
            "tempfile_in_vfs",
            "import tempfile, os\nwith tempfile.NamedTemporaryFile('w+', delete=False) as f:\n"
            "    f.write('data'); name = f.name\nprint(open(name).read(), name.startswith('/tmp'))",
            "data True\n"}),
    [](const testing::TestParamInfo<StdlibCase>& info) { return std::string(info.param.name); });

}  // namespace
