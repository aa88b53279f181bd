"""The REPL of build/eryx (or $ERYX_CLI), driven through a real terminal: a pty of its own, keys
sent as a person types them. Every read has a deadline; a REPL that does not answer fails the test
and is killed."""

import os
import pathlib
import pty
import re
import select
import shutil
import signal
import subprocess
import termios
import time

import pytest

from net_support import loud_skip

REPO = pathlib.Path(__file__).resolve().parents[2]
DEADLINE = 30.0  # seconds for any one expected output; generous for a loaded machine
PROMPT = ">>> "
MORE = "... "
CTRL_C, CTRL_D, CTRL_P = "\x03", "\x04", "\x10"


def eryx_cli():
    cli = os.environ.get("ERYX_CLI") or str(REPO / "build" / "eryx")
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        cli = shutil.which("eryx") or ""
    if not cli:
        loud_skip("no eryx CLI at build/eryx (or $ERYX_CLI): build it with `make build`")
    return cli


class Terminal:
    """eryx on a pseudo-terminal: what was written to it, and keys to send."""

    def __init__(self, home, *args, argv=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
        env.update(HOME=str(home), TERM="xterm", LANG="C.UTF-8")
        argv = argv or [eryx_cli()]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: its own session, the pty as its controlling terminal
            try:
                os.execve(argv[0], [*argv, *args], env)
            finally:
                os._exit(127)
        termios.tcsetwinsize(self.fd, (24, 200))  # wide: no line wraps in the transcript
        self.output = ""  # everything the REPL wrote, \r\n as \n
        self.seen = 0  # how far expect() has read
        self.status = None

    def _read(self, until):
        r, _, _ = select.select([self.fd], [], [], max(0.0, min(0.2, until - time.monotonic())))
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the REPL closed the terminal (it exited)
            return False
        if not data:
            return False
        self.output += data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return True

    def expect(self, text, timeout=DEADLINE):
        """Reads until `text` appears after what was already expected; returns what came before it."""
        until = time.monotonic() + timeout
        while text not in self.output[self.seen:]:
            if time.monotonic() > until or not self._read(until):
                raise AssertionError(f"no {text!r} within {timeout}s; the terminal showed:\n{self.output}")
        start = self.seen
        end = self.output.index(text, start)
        self.seen = end + len(text)
        return self.output[start:end]

    def reading(self, timeout=DEADLINE):
        """Waits until the line editor reads the keyboard (canonical mode off), so keys are not
        echoed by the terminal driver before the editor takes them."""
        until = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            if time.monotonic() > until:
                raise AssertionError(f"the REPL did not read within {timeout}s:\n{self.output}")
            time.sleep(0.01)

    def prompt(self, prompt=PROMPT):
        """Waits for the prompt and for the editor to read; returns the output before it."""
        before = self.expect(prompt)
        self.reading()
        return before

    def send(self, keys):
        os.write(self.fd, keys.encode())

    def enter(self, line, prompt=PROMPT):
        """Types `line` and Enter, and returns what the REPL printed before `prompt`."""
        self.send(line + "\r")
        self.expect(line + "\n")  # the editor's echo of the line
        return self.prompt(prompt)

    def wait_exit(self, timeout=DEADLINE):
        until = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > until:
                raise AssertionError(f"the REPL did not exit within {timeout}s:\n{self.output}")
            self._read(time.monotonic() + 0.05)
        return self.status

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = "killed"
        os.close(self.fd)


@pytest.fixture
def start(tmp_path):
    """start(*args, home=tmp_path) -> a Terminal with eryx at its first prompt."""
    terminals = []

    def start(*args, home=tmp_path, argv=None):
        terminal = Terminal(home, *args, argv=argv)
        terminals.append(terminal)
        terminal.prompt()
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()


def test_banner_names_eryx_and_the_guest_python_version(start):
    version = subprocess.run([eryx_cli(), "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, timeout=60).stdout.strip()
    repl = start()
    assert re.match(r"eryx \d+\.\d+\.\d+ \(sandboxed Python ", repl.output), repl.output
    assert version and f"Python {version})" in repl.output, (version, repl.output)


def test_expression_values_are_echoed_with_repr(start):
    repl = start()
    assert repl.enter("'ab' + 'c'") == "'abc'\n"


def test_underscore_holds_the_last_value(start):
    repl = start()
    repl.enter("6 * 7")
    assert repl.enter("_ + 1") == "43\n"


def test_none_is_not_echoed(start):
    repl = start()
    assert repl.enter("None") == ""
    assert repl.enter("print('after')") == "after\n"


def test_repl_leaves_no_names_in_main(start):
    repl = start()
    repl.enter("x = 1")
    repl.enter("2 + 2")
    assert repl.enter("sorted(k for k in globals() if not k.startswith('__'))") == "['x']\n"


def test_state_persists_between_inputs(start):
    repl = start()
    repl.enter("import json")
    repl.enter("data = {'n': 5}")
    assert repl.enter("json.dumps(data)") == "'{\"n\": 5}'\n"


def test_a_variable_named_result_is_an_ordinary_variable(start):
    # Sessions report and consume `result` in the API; the REPL captures no result.
    repl = start()
    repl.enter("result = 5")
    assert repl.enter("result + 1") == "6\n"


def test_def_block_continues_until_a_blank_line(start):
    repl = start()
    repl.enter("def double(x):", prompt=MORE)
    repl.enter("    return 2 * x", prompt=MORE)
    assert repl.enter("") == ""
    assert repl.enter("double(21)") == "42\n"


def test_for_block_runs_when_complete(start):
    repl = start()
    repl.enter("for i in range(3):", prompt=MORE)
    repl.enter("    print(i)", prompt=MORE)
    assert repl.enter("") == "0\n1\n2\n"


def test_decorated_definition_continues_after_the_decorator(start):
    repl = start()
    repl.enter("plus_one = lambda f: lambda: f() + 1")
    repl.enter("@plus_one", prompt=MORE)
    repl.enter("def answer(): return 41", prompt=MORE)
    repl.enter("")
    assert repl.enter("answer()") == "42\n"


def test_open_bracket_continues_until_closed(start):
    repl = start()
    repl.enter("items = [1,", prompt=MORE)
    assert repl.enter("2]") == ""
    assert repl.enter("items") == "[1, 2]\n"


def test_triple_quoted_string_continues_until_closed(start):
    repl = start()
    repl.enter('text = """one', prompt=MORE)
    repl.enter('two"""')
    assert repl.enter("text") == "'one\\ntwo'\n"


def test_tab_indents_a_block(start):
    repl = start()
    repl.enter("def five():", prompt=MORE)
    repl.send("\treturn 5\r")
    repl.prompt(MORE)
    repl.enter("")
    assert repl.enter("five()") == "5\n"


def test_tab_completes_a_name(start):
    repl = start()
    repl.enter("abcdef_value = 1")
    repl.send("abcd\t")
    repl.expect("ef_value")
    repl.send("\r")
    assert repl.prompt() == "\n1\n"


def test_tab_completes_an_attribute(start):
    repl = start()
    repl.enter("import json")
    repl.send("json.__na\t")
    repl.expect("me__")
    repl.send("\r")
    assert repl.prompt() == "\n'json'\n"


def test_tab_lists_the_candidates_when_they_share_no_more(start):
    repl = start()
    repl.enter("import json")
    repl.send("json.dum\t")  # completes to json.dump, shared by dump( and dumps(
    repl.expect("p")
    repl.send("\t")
    repl.expect("json.dump(  json.dumps(")
    repl.expect(PROMPT + "json.dump")  # the line again, below the list
    repl.send("s(2)\r")
    assert repl.prompt() == "s(2)\n'2'\n"


def test_top_level_await_runs_and_echoes_the_value(start):
    repl = start()
    repl.enter("import asyncio")
    assert repl.enter("await asyncio.sleep(0); 42") == "42\n"


def test_task_created_by_one_input_runs_while_a_later_one_awaits(start):
    repl = start()
    repl.enter("import asyncio")
    repl.enter("task = asyncio.ensure_future(asyncio.sleep(0.1, 'done'))")
    assert repl.enter("await asyncio.sleep(0.3); task.result()") == "'done'\n"


def test_error_prints_the_guest_traceback_and_the_loop_continues(start):
    repl = start()
    repl.enter("def fail():", prompt=MORE)
    repl.enter("    return 1 / 0", prompt=MORE)
    repl.enter("")
    shown = repl.enter("fail()")
    assert shown.startswith("Traceback (most recent call last):\n"), shown
    assert 'File "<stdin>", line 1, in <module>' in shown and "in fail" in shown, shown
    assert shown.endswith("ZeroDivisionError: division by zero\n"), shown
    assert "<exec>" not in shown and "eryx-repl" not in shown, shown  # no frames of the REPL's own
    assert repl.enter("1 + 1") == "2\n"


def test_syntax_error_is_printed_as_python_does(start):
    repl = start()
    shown = repl.enter("x = = 1")
    assert 'File "<stdin>", line 1' in shown and "SyntaxError: invalid syntax" in shown, shown
    assert "Traceback" not in shown, shown
    assert repl.enter("1 + 1") == "2\n"


def test_unicode_text_is_read_and_echoed(start):
    repl = start()
    assert repl.enter("'héllo ✓'") == "'héllo ✓'\n"


def test_output_streams_while_the_code_runs(start):
    repl = start()
    repl.enter("import time")
    repl.send("print('first'); time.sleep(3); print('second')\r")
    repl.expect("first\n", timeout=2.5)  # within the sleep, not after it
    assert "second" not in repl.output[repl.seen:]
    assert repl.prompt() == "second\n"


def test_ctrl_c_interrupts_running_code_and_keeps_the_state(start):
    repl = start()
    repl.enter("kept = 7")
    repl.enter("if True:", prompt=MORE)
    repl.enter("    print('looping')", prompt=MORE)
    repl.enter("    while True: pass", prompt=MORE)
    repl.send("\r")
    repl.expect("looping\n")
    repl.send(CTRL_C)
    shown = repl.prompt()
    assert "Traceback (most recent call last):" in shown and shown.endswith("KeyboardInterrupt\n"), shown
    assert repl.enter("kept") == "7\n"


def test_ctrl_c_ends_a_sleep_early(start):
    repl = start()
    repl.enter("import time")
    repl.send("time.sleep(60)\r")
    repl.expect("time.sleep(60)\n")
    time.sleep(0.3)
    began = time.monotonic()
    repl.send(CTRL_C)
    assert repl.prompt().endswith("KeyboardInterrupt\n")
    assert time.monotonic() - began < 20


def test_code_that_ignores_ctrl_c_is_stopped_and_the_repl_starts_afresh(start):
    repl = start()
    repl.enter("kept = 7")
    repl.enter("while True:", prompt=MORE)
    repl.enter("    try:", prompt=MORE)
    repl.enter("        print('looping')", prompt=MORE)
    repl.enter("        while True: pass", prompt=MORE)
    repl.enter("    except KeyboardInterrupt: pass", prompt=MORE)
    repl.send("\r")
    repl.expect("looping\n")
    repl.send(CTRL_C)
    shown = repl.prompt()  # after the interrupt grace (2 s) the execution is stopped hard
    assert "did not stop" in shown and "state was lost" in shown, shown
    assert "NameError" in repl.enter("kept")
    assert repl.enter("1 + 1") == "2\n"


def test_ctrl_c_at_the_prompt_clears_the_line(start):
    repl = start()
    repl.send("unfinished")
    repl.expect("unfinished")
    repl.send(CTRL_C)
    assert repl.prompt().endswith("KeyboardInterrupt\n")
    assert repl.enter("1 + 1") == "2\n"  # not "unfinished1 + 1"


def test_ctrl_c_at_the_continuation_prompt_drops_the_block(start):
    repl = start()
    repl.enter("def f():", prompt=MORE)
    repl.send(CTRL_C)
    repl.prompt(PROMPT)
    assert repl.enter("1 + 1") == "2\n"


def test_ctrl_d_at_the_prompt_exits_with_status_0(start):
    repl = start()
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0


def test_exit_call_exits_with_status_0(start):
    repl = start()
    repl.send("exit()\r")
    assert repl.wait_exit() == 0


def test_sys_exit_exits_with_its_status(start):
    repl = start()
    repl.enter("import sys")
    repl.send("sys.exit(5)\r")
    assert repl.wait_exit() == 5


def test_sys_exit_with_a_message_prints_it_and_exits_with_1(start):
    repl = start()
    repl.enter("import sys")
    repl.send("sys.exit('bye now')\r")
    assert repl.wait_exit() == 1
    assert "bye now" in repl.output


def test_history_file_is_written_in_home(start, tmp_path):
    repl = start()
    repl.enter("6 * 7")
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0
    assert "6\\040*\\0407" in (tmp_path / ".eryx_history").read_text()  # libedit's vis(3) format


def test_history_is_reloaded_by_the_next_run(start):
    first = start()
    first.enter("6 * 7")
    first.send(CTRL_D)
    assert first.wait_exit() == 0
    second = start()
    second.send(CTRL_P)  # previous history line
    second.expect("6 * 7")
    second.send("\r")
    assert second.prompt() == "\n42\n"


def test_unwritable_history_file_is_a_warning_not_a_failure(start, tmp_path):
    (tmp_path / ".eryx_history").mkdir()  # unwritable even for root
    repl = start()
    shown = repl.enter("1 + 1")
    assert "2\n" in shown and "warning" in repl.output, repl.output
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0


def test_timeout_of_one_input_is_reported_and_the_repl_continues(start):
    repl = start("--timeout-ms", "1500")
    repl.enter("while True: pass", prompt=MORE)
    repl.send("\r")
    shown = repl.prompt()
    assert "--timeout-ms" in shown and "state was lost" in shown, shown
    assert repl.enter("1 + 1") == "2\n"


def test_memory_limit_of_one_input_is_reported_and_the_repl_continues(start):
    repl = start("--max-memory-mb", "64")
    repl.enter("kept = 7")
    assert "MemoryError" in repl.enter("block = bytearray(200 * 1024 * 1024)")
    assert repl.enter("kept") == "7\n"


def test_piped_stdin_without_arguments_runs_as_a_script():
    proc = subprocess.run([eryx_cli()], input="print(6 * 7)\n", capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "42\n"), proc.stderr


# ---- python -m eryx: the same REPL inside a Python process ---------------------------------------

def test_python_m_eryx_is_the_same_repl_and_ctrl_c_reaches_the_guest(start):
    # The REPL runs inside the Python interpreter here: its SIGINT handling must be the REPL's
    # while it runs (KeyboardInterrupt in the guest, state kept), not Python's.
    import sys

    repl = start(argv=[sys.executable, "-m", "eryx"])
    assert "eryx" in repl.output and "wasi" in repl.output
    repl.enter("x = 6")
    repl.send("while True: pass\r")
    repl.expect("while True: pass\n")
    time.sleep(0.5)
    repl.send(CTRL_C)
    assert "KeyboardInterrupt" in repl.prompt()
    assert repl.enter("x * 7") == "42\n"
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0
