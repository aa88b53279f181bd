#include "line_editor.h"

#include <histedit.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace eryx::cli {

namespace {
constexpr int kHistorySize = 1000;
}

std::filesystem::path default_history_path() {
  std::string home;
  if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0') {
    home = env;
  } else {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr)
      home = found->pw_dir;
  }
  if (home.empty()) return {};
  return std::filesystem::path(home) / ".eryx_history";
}

LineEditor::LineEditor(std::filesystem::path history_path)
    : history_path_(std::move(history_path)) {
  // With stdout redirected the prompt and the editing go to the terminal on stderr, as python's.
  out_ = isatty(STDOUT_FILENO) || !isatty(STDERR_FILENO) ? stdout : stderr;
  el_ = el_init("eryx", stdin, out_, stderr);
  history_ = history_init();
  if (el_ == nullptr || history_ == nullptr) {
    if (el_ != nullptr) el_end(el_);
    if (history_ != nullptr) history_end(history_);
    throw std::runtime_error("libedit cannot set up line editing");
  }
  HistEvent event;
  history(history_, &event, H_SETSIZE, kHistorySize);
  history(history_, &event, H_SETUNIQUE, 1);  // no run of the same line
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_PROMPT, &LineEditor::prompt_of);
  el_set(el_, EL_EDITOR, "emacs");
  // Off: its handlers re-send each signal to the whole process group. The REPL owns SIGINT.
  el_set(el_, EL_SIGNAL, 0);
  el_set(el_, EL_HIST, history, history_);
  // The wide call: libedit's narrow el_set(EL_ADDFN) copies both strings and never frees them
  // (its own "XXX: The two strdup's leak"); the wide one keeps these static strings as they are.
  el_wset(el_, EL_ADDFN, L"eryx-complete", L"Complete the name before the cursor, or indent",
          &LineEditor::on_tab);
  el_set(el_, EL_BIND, "^I", "eryx-complete", nullptr);
  el_source(el_, nullptr);  // the user's ~/.editrc, as every libedit program reads it

  if (history_path_.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(history_path_, ec)) return;  // the first run creates it
  if (history(history_, &event, H_LOAD, history_path_.c_str()) < 0) {
    std::cerr << "eryx: warning: cannot read the history file " << history_path_.string()
              << "; earlier lines are not available\n";
  }
}

LineEditor::~LineEditor() {
  el_end(el_);  // restores the terminal's modes
  history_end(history_);
}

char* LineEditor::prompt_of(editline* el) {
  LineEditor* self = nullptr;
  el_get(el, EL_CLIENTDATA, &self);
  return self->prompt_.data();
}

unsigned char LineEditor::on_tab(editline* el, int) {
  LineEditor* self = nullptr;
  el_get(el, EL_CLIENTDATA, &self);
  const LineInfo* line = el_line(el);
  const std::string before(line->buffer, line->cursor);
  size_t start = before.size();
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(before[start - 1])) ||
                       before[start - 1] == '_' || before[start - 1] == '.'))
    --start;
  const std::string word = before.substr(start);
  // As python's rlcompleter: with nothing to complete, Tab indents.
  if (word.empty() || !self->completer_) {
    el_insertstr(el, "\t");
    return CC_REFRESH;
  }
  const std::vector<std::string> matches = self->completer_(word);
  if (matches.empty()) return CC_ERROR;  // a beep
  std::string common = matches.front();
  for (const auto& match : matches) {
    size_t n = 0;
    while (n < common.size() && n < match.size() && common[n] == match[n]) ++n;
    common.resize(n);
  }
  if (common.size() > word.size() && common.starts_with(word)) {
    el_insertstr(el, common.c_str() + word.size());
    return CC_REFRESH;
  }
  if (matches.size() == 1) return CC_NORM;
  std::string listing = "\n";
  for (const auto& match : matches) listing += match + "  ";
  listing += "\n";
  std::fputs(listing.c_str(), self->out_);
  std::fflush(self->out_);
  return CC_REDISPLAY;  // the prompt and the line again, below the list
}

LineEditor::Input LineEditor::read_line(const std::string& prompt) {
  prompt_ = prompt;
  int count = 0;
  errno = 0;
  const char* text = el_gets(el_, &count);
  if (text == nullptr || count <= 0) {
    if (count < 0 && errno == EINTR) return {Status::kInterrupted, {}};
    return {Status::kEndOfInput, {}};
  }
  std::string line(text, static_cast<size_t>(count));
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return {Status::kLine, std::move(line)};
}

void LineEditor::end_line() {
  // Only on a terminal: piped input has no prompt line to end.
  if (!isatty(STDIN_FILENO)) return;
  std::fputc('\n', out_);
  std::fflush(out_);
}

void LineEditor::remember(const std::string& line) {
  HistEvent event;
  history(history_, &event, H_ENTER, line.c_str());
  // Saved after every line: a closed terminal (SIGHUP) must not lose the session's lines.
  if (history_path_.empty() || warned_) return;
  if (history(history_, &event, H_SAVE, history_path_.c_str()) < 0) {
    warned_ = true;
    std::cerr << "eryx: warning: cannot write the history file " << history_path_.string()
              << "; this session's lines are not saved\n";
  }
}

}  // namespace eryx::cli
