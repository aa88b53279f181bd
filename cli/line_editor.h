// Reading the REPL's lines from a terminal with libedit: emacs-style editing, ~/.editrc, and a
// history file kept across runs.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

struct editline;
struct history;

namespace eryx::cli {

// $HOME/.eryx_history (the home directory of the password database when $HOME is unset or empty);
// empty when no home is known.
std::filesystem::path default_history_path();

class LineEditor {
 public:
  // Loads the history from `history_path` (empty: no history file). A file that exists but cannot
  // be read, or later cannot be written, gets one warning on stderr; the editor works on. Throws
  // std::runtime_error when libedit cannot start (out of memory).
  explicit LineEditor(std::filesystem::path history_path);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  enum class Status {
    kLine,         // `line` holds what was typed, without its newline
    kEndOfInput,   // Ctrl-D on an empty line, or stdin closed
    kInterrupted,  // a signal handler interrupted the read (Ctrl-C): the typed text is dropped
  };
  struct Input {
    Status status = Status::kEndOfInput;
    std::string line;
  };
  // Shows `prompt` and reads one line. Signal handlers must be installed without SA_RESTART for
  // kInterrupted to be seen (libedit's own handlers are off: the caller owns SIGINT).
  Input read_line(const std::string& prompt);

  // What Tab completes `word` (a dotted name ending at the cursor) to: every candidate, whole.
  using Completer = std::function<std::vector<std::string>(const std::string& word)>;
  // Tab then completes the name before the cursor (inserting what all candidates share, listing
  // them when that is nothing); after only blanks, Tab inserts a tab, to indent.
  void set_completer(Completer completer) { completer_ = std::move(completer); }

  // Ends the prompt's line on the terminal (after Ctrl-D).
  void end_line();

  // Appends a line to the history (in memory and in the file).
  void remember(const std::string& line);

 private:
  static char* prompt_of(struct editline* el);
  static unsigned char on_tab(struct editline* el, int key);

  std::FILE* out_ = nullptr;  // where prompts and editing go
  struct editline* el_ = nullptr;
  struct history* history_ = nullptr;
  std::filesystem::path history_path_;
  std::string prompt_;
  Completer completer_;
  bool warned_ = false;
};

}  // namespace eryx::cli
