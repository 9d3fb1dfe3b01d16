"""What a mocked name really is: library -> mock class, and what to use instead.

Keys are dotted prefixes; the longest prefix of a target wins, so
``os.environ`` is environment while the rest of ``os`` is filesystem.
Projects add their own with ``[tool.testguard.mocks] classes = {...}``.
"""

from __future__ import annotations

import sys

_OS_PROCESS = [
    f"os.{name}"
    for name in (
        "system", "popen", "fork", "forkpty", "kill", "killpg", "wait", "waitpid", "wait3", "wait4",
        "posix_spawn", "posix_spawnp", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv",
        "spawnve", "spawnvp", "spawnvpe", "execl", "execle", "execlp", "execlpe", "execv",
        "execve", "execvp", "execvpe", "startfile",
    )
]

LIBRARIES: dict[str, list[str]] = {
    "http": [
        "requests", "httpx", "urllib", "urllib3", "aiohttp", "http", "httplib2", "pycurl",
        "socket", "ssl", "smtplib", "ftplib", "imaplib", "poplib", "xmlrpc", "websocket",
        "websockets", "grpc", "boto3", "botocore", "aiobotocore", "requests_toolbelt",
        "treq", "tornado.httpclient", "zeep", "suds", "paramiko", "asyncio.open_connection",
        "google.cloud", "googleapiclient", "slack_sdk", "twilio", "stripe", "select", "selectors",
        "dns",
    ],
    "database": [
        "sqlalchemy", "sqlmodel", "psycopg", "psycopg2", "psycopg2cffi", "asyncpg", "aiopg",
        "pymysql", "MySQLdb", "mysql.connector", "aiomysql", "pymongo", "motor", "mongoengine",
        "redis", "aioredis", "sqlite3", "aiosqlite", "cx_Oracle", "oracledb", "pyodbc",
        "cassandra", "elasticsearch", "opensearchpy", "django.db", "peewee", "pony",
        "tortoise", "databases", "clickhouse_driver", "neo4j", "influxdb", "pymemcache",
        "dbm", "shelve",
    ],
    "filesystem": [
        "builtins.open", "io.open", "os", "os.path", "posixpath", "ntpath", "pathlib",
        "shutil", "tempfile", "glob", "fileinput", "zipfile", "tarfile", "gzip", "bz2",
        "lzma", "filecmp", "mmap", "aiofiles", "fsspec", "fcntl",
    ],
    "subprocess": [
        "subprocess", "asyncio.subprocess", "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell", "multiprocessing", "pexpect", "sh", "plumbum", "signal",
        *_OS_PROCESS,
    ],
    "clock": [
        "time", "datetime", "uuid", "random", "secrets", "asyncio.sleep", "os.urandom",
        "os.getrandom", "numpy.random", "pendulum", "arrow", "dateutil.tz", "zoneinfo",
    ],
    "environment": [
        "os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv",
        "os.name", "os.getuid", "os.geteuid", "os.getlogin", "os.cpu_count", "sys.argv",
        "sys.platform", "sys.version_info", "sys.stdin", "sys.stdout", "sys.stderr",
        "sys.executable", "platform", "getpass", "locale", "builtins.input",
        "builtins.print", "winreg", "pwd", "grp", "resource", "socket.gethostname",
        "os.getpid", "os.getppid",
    ],
}

# The rest of the standard library (what the classes above leave), by the part
# of it a name belongs to; the longest prefix wins, as in LIBRARIES.
STDLIB_PARTS: dict[str, list[str]] = {
    "fs": ["sys.getfilesystemencoding", "sys.getfilesystemencodeerrors", "stat", "fnmatch", "genericpath", "linecache"],
    "process": ["sys.exit", "atexit", "pty", "tty", "termios", "_posixsubprocess"],
    "clock": ["calendar", "sched", "_strptime"],
    "io": [
        "io", "_io", "_pyio", "codecs", "pickle", "marshal", "struct", "array", "csv", "json",
        "configparser", "tomllib", "plistlib", "base64", "binascii", "quopri", "netrc", "zlib",
    ],
    "env": [
        "sys.path", "sys.modules", "sys.flags", "sys.version", "sys.maxsize", "sys.getdefaultencoding",
        "sys.getrecursionlimit", "sys.setrecursionlimit", "sysconfig", "site",
    ],
    "interpreter": [
        "sys", "builtins", "gc", "inspect", "traceback", "warnings", "types", "abc", "weakref",
        "copy", "copyreg", "dataclasses", "contextlib", "functools", "itertools", "operator",
        "typing", "enum", "ctypes", "__main__",
    ],
    "import": ["importlib", "pkgutil", "runpy", "modulefinder", "zipimport", "imp"],
    "text": ["string", "re", "difflib", "textwrap", "unicodedata", "gettext", "shlex"],
    "data": [
        "collections", "heapq", "bisect", "graphlib", "pprint", "reprlib", "ipaddress", "decimal",
        "fractions", "math", "cmath", "statistics", "numbers",
    ],
    "concurrency": ["threading", "_thread", "concurrent", "queue", "asyncio", "contextvars"],
    "logging": ["logging", "syslog"],
    "crypto": ["hashlib", "hmac"],
    "formats": ["email", "mailbox", "mimetypes", "html", "xml"],
    "cli": ["argparse", "optparse", "getopt", "cmd", "readline", "curses"],
    "debugging": ["pdb", "bdb", "trace", "tracemalloc", "cProfile", "profile", "pstats", "timeit", "faulthandler", "dis"],
    "language": ["ast", "tokenize", "token", "keyword", "symtable", "compileall", "py_compile", "code", "codeop"],
    "testing": ["unittest", "doctest"],
    "gui": ["tkinter", "turtle"],
}
STDLIB_PART_TABLE = {prefix: part for part, prefixes in STDLIB_PARTS.items() for prefix in prefixes}
# Gone from newer Pythons' sys.stdlib_module_names, still the standard library of older ones.
_REMOVED_STDLIB = frozenset(
    {
        "distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop", "cgi", "cgitb",
        "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes",
        "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib", "lib2to3",
    }
)


def is_stdlib(module: str) -> bool:
    """Whether the top-level module ``module`` belongs to the standard library.

    ``__main__`` counts: it is the interpreter's own slot for the program it runs
    (``patch.dict(sys.modules, {"__main__": fake})`` replaces it), nobody's library.
    """
    return module in sys.stdlib_module_names or module in _REMOVED_STDLIB or module == "__main__"


def stdlib_part(dotted: str) -> str | None:
    """Which part of the standard library ``dotted`` is (``io``, ``interpreter``…), None if not known."""
    found = lookup(STDLIB_PART_TABLE, dotted)
    return found[0] if found is not None else None


REPLACEMENTS: dict[str, str] = {
    "first-party": "the real code: build it with its real collaborators and assert on its results",
    "http": "a local HTTP server (pytest-httpserver, or http.server in a thread) whose URL the code is given",
    "database": "a real test database: SQLite in tmp_path, or PostgreSQL/MySQL/Redis in a container (testcontainers)",
    "filesystem": "real files under tmp_path (pytest's tmp_path / tmp_path_factory)",
    "subprocess": "the real command, or a small script written to tmp_path and put first on PATH",
    "clock": "an injected clock or seed (pass now=/random.Random(seed) in); time-machine if the code cannot take one",
    "environment": "monkeypatch.setenv / delenv / chdir, capsys for stdio, argv passed in explicitly",
    "stdlib": "the real standard-library call; where its answer depends on the machine or the interpreter, pass that value in",
    "test-local": "nothing: the test's own code needs no stand-in; call it, or pass a small real implementation in",
    "third-party": "the real library, installed in the test environment and configured for tests",
    "unknown": "make the target explicit (a dotted string or an imported object) so it can be classified",
}


def build_table(extra: dict[str, list[str]]) -> dict[str, str]:
    """dotted prefix -> class; the project's own entries win over the built-in ones."""
    table = {prefix: cls for cls, prefixes in LIBRARIES.items() for prefix in prefixes}
    for cls, prefixes in extra.items():
        for prefix in prefixes:
            table[prefix] = cls
    return table


def lookup(table: dict[str, str], dotted: str) -> tuple[str, str] | None:
    """(class, matching prefix) for the longest prefix of ``dotted`` in ``table``."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        cls = table.get(prefix)
        if cls is not None:
            return cls, prefix
    return None
