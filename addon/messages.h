// How the native part reports: a Failure names the operation, the path and errno (plus the
// kernel's own words where the mount API logged any, and a hint where the host's configuration
// refused), so that every error reaches the user as one precise line.
#pragma once
#include <string>

struct Failure {
  std::string op;
  std::string path;
  int err = 0;
  std::string detail;  // kernel log message from an fs context, if any
  std::string Text() const;
};

// Fills `f` and returns false, for `return Fail(...)` from a step that failed.
bool Fail(Failure* f, const std::string& op, const std::string& path, int err, const std::string& detail = "");

// One warning line on stderr ("Runner: warning: ..."), control characters escaped.
void Warn(const std::string& message);
// Control characters (and bytes >= 0x7f that are not UTF-8 text) as \xNN: a path or value from an
// untrusted tree must not drive the terminal.
std::string Escape(const std::string& text);
