// See environment_file.h. One pass over the text, with the states of
// systemd's parse_env_file_internal().
#include "unit/environment_file.h"

namespace dc::unit {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

bool valid_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

enum class State {
  pre_key,
  key,
  pre_value,
  value,
  value_escape,
  single,
  dquote,
  dquote_escape,
  comment,
  comment_escape
};

class EnvParser {
 public:
  EnvParser(const std::string& file, EnvironmentText& out) : file_(file), out_(out) {}

  void feed(char c) {
    switch (state_) {
      case State::pre_key:
        if (c == '#' || c == ';') {
          state_ = State::comment;
        } else if (c != '\n' && !is_blank(c)) {
          key_.assign(1, c);
          key_line_ = line_;
          state_ = State::key;
        }
        break;
      case State::key:
        if (c == '\n') {
          note(key_line_, "line without '=', ignored");
          state_ = State::pre_key;
        } else if (c == '=') {
          while (!key_.empty() && is_blank(key_.back())) key_.pop_back();
          value_.clear();
          trailing_blanks_ = 0;
          state_ = State::pre_value;
        } else {
          key_ += c;
        }
        break;
      case State::pre_value:  // also after a closing quote: 'a'"b" is ab
        if (c == '\n') {
          push();
        } else if (c == '\'') {
          state_ = State::single;
        } else if (c == '"') {
          state_ = State::dquote;
        } else if (!is_blank(c)) {
          state_ = State::value;
          value_char(c);
        }
        break;
      case State::value:
        value_char(c);
        break;
      case State::value_escape:
        state_ = State::value;
        if (c != '\n') value_ += c, trailing_blanks_ = 0;  // "\\\n" continues the value
        break;
      case State::single:
        if (c == '\'') {
          state_ = State::pre_value;
        } else {
          value_ += c;
        }
        trailing_blanks_ = 0;
        break;
      case State::dquote:
        if (c == '"') {
          state_ = State::pre_value;
        } else if (c == '\\') {
          state_ = State::dquote_escape;
        } else {
          value_ += c;
        }
        trailing_blanks_ = 0;
        break;
      case State::dquote_escape:
        state_ = State::dquote;
        if (c == '"' || c == '\\' || c == '`' || c == '$') {
          value_ += c;
        } else if (c != '\n') {
          value_ += '\\';
          value_ += c;
        }
        break;
      case State::comment:
        // systemd 252 continues a comment whose line ends in a backslash
        // (fixed later, systemd issue 27975); this reads as 252 does.
        if (c == '\\') state_ = State::comment_escape;
        if (c == '\n') state_ = State::pre_key;
        break;
      case State::comment_escape:
        state_ = State::comment;
        break;
    }
    if (c == '\n') ++line_;
  }

  void finish() {
    if (state_ == State::key) note(key_line_, "line without '=', ignored");
    if (state_ == State::single || state_ == State::dquote || state_ == State::dquote_escape) {
      note(key_line_, "unterminated quote in the value of " + excerpt(key_) + ", taken as it is");
    }
    if (state_ != State::pre_key && state_ != State::key && state_ != State::comment &&
        state_ != State::comment_escape) {
      push();
    }
  }

 private:
  void value_char(char c) {
    if (c == '\n') {
      push();
    } else if (c == '\\') {
      state_ = State::value_escape;
    } else {
      value_ += c;
      trailing_blanks_ = is_blank(c) ? trailing_blanks_ + 1 : 0;
    }
  }

  void push() {
    value_.resize(value_.size() - trailing_blanks_);
    if (valid_name(key_)) {
      out_.assignments.emplace_back(key_, value_);
    } else {
      note(key_line_, "invalid variable name '" + excerpt(key_) + "', ignored");
    }
    state_ = State::pre_key;
  }

  void note(int line, std::string message) {
    if (out_.findings.size() < 50) {
      out_.findings.push_back({Severity::ignored, file_, line, std::move(message)});
    }
  }

  const std::string& file_;
  EnvironmentText& out_;
  State state_ = State::pre_key;
  std::string key_, value_;
  size_t trailing_blanks_ = 0;
  int line_ = 1;
  int key_line_ = 1;
};

}  // namespace

EnvironmentText parse_environment_file(std::string_view text, const std::string& file) {
  EnvironmentText out;
  EnvParser parser(file, out);
  for (char c : text) parser.feed(c);
  parser.finish();
  return out;
}

}  // namespace dc::unit
