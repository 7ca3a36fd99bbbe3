// QmpMessageFramer: the framing state machine. Error texts follow QEMU 7.2's JSON parser
// (qobject/json-parser.c) as observed on qemu-system-x86_64 7.2.22.
#include "platform/serve/protocol/qmp_message_framer.h"

namespace vtd::serve {

namespace {

bool isJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Characters that end a bare word (a number or keyword) outside strings.
bool endsBareWord(char c) {
  return isJsonSpace(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' ||
         c == '"' || c == '\'';
}

char closerOf(char opener) {
  return opener == '{' ? '}' : ']';
}

}  // namespace

void QmpMessageFramer::feed(const char* data, size_t length, std::vector<Message>& out) {
  for (size_t i = 0; i < length; ++i) {
    const char c = data[i];
    switch (state_) {
      case State::kBetween:
        between(c, out);
        break;
      case State::kValue:
        inValue(c, out);
        break;
      case State::kString:
        inString(c, out);
        break;
      case State::kStringEscape:
        inStringEscape(c);
        break;
      case State::kBareWord:
        inBareWord(c, out);
        break;
      case State::kSkipValue:
        skipValue(c);
        break;
      case State::kSkipLine:
        if (c == '\n') state_ = State::kBetween;
        break;
    }
    if (text_.size() > kMaxMessageBytes) refuseOversized(out);
  }
}

void QmpMessageFramer::between(char c, std::vector<Message>& out) {
  if (isJsonSpace(c)) return;
  text_.clear();
  closers_.clear();
  if (c == '{' || c == '[') {
    closers_.push_back(closerOf(c));
    store(c);
    state_ = State::kValue;
  } else if (c == '"' || c == '\'') {
    startString(c);
  } else if (c == '}' || c == ']') {
    out.push_back({"", "JSON parse error, expecting value"});
  } else {
    store(c);
    state_ = State::kBareWord;
  }
}

void QmpMessageFramer::inValue(char c, std::vector<Message>& out) {
  if (c == '"' || c == '\'') {
    startString(c);
  } else if (c == '{' || c == '[') {
    if (closers_.size() >= kMaxNesting) {
      // Reported at once; the rest of the value is skipped so that it cannot produce a
      // cascade of errors (QEMU restarts parsing in the middle of it instead).
      out.push_back({"", "JSON nesting depth limit exceeded"});
      startSkipping(closers_.size() + 1, false);
      return;
    }
    closers_.push_back(closerOf(c));
    store(c);
  } else if (c == '}' || c == ']') {
    if (c != closers_.back()) {
      // QEMU counts braces and brackets separately and would wait for more input here.
      refuse(closers_.back() == ']' ? "JSON parse error, expected separator in list"
                                    : "JSON parse error, expected separator in dict",
             out);
      return;
    }
    closers_.pop_back();
    store(c);
    if (closers_.empty()) complete(out);
  } else {
    store(c);
  }
}

void QmpMessageFramer::startString(char quote) {
  quote_ = quote;
  store('"');  // single-quoted strings (a QEMU extension) are rewritten as JSON strings
  state_ = State::kString;
}

void QmpMessageFramer::inString(char c, std::vector<Message>& out) {
  if (c == '\\') {
    state_ = State::kStringEscape;
  } else if (c == quote_) {
    store('"');
    if (closers_.empty()) {
      complete(out);
    } else {
      state_ = State::kValue;
    }
  } else if (static_cast<unsigned char>(c) < 0x20) {
    // QEMU's lexer refuses raw control characters in strings; most often this is the end of
    // a line inside an unterminated string, after which the next line starts afresh.
    refuse("JSON parse error, control character in string", out);
    if (c == '\n') state_ = State::kBetween;
  } else if (c == '"') {
    store("\\\"");  // a double quote inside a single-quoted string
  } else {
    store(c);
  }
}

void QmpMessageFramer::inStringEscape(char c) {
  if (c == '\'') {
    store('\'');  // QEMU accepts \' in either kind of string; JSON does not know it
  } else {
    store('\\');
    store(c);  // other escapes are checked by the JSON parser
  }
  state_ = State::kString;
}

void QmpMessageFramer::inBareWord(char c, std::vector<Message>& out) {
  if (!endsBareWord(c)) {
    store(c);
    return;
  }
  complete(out);
  between(c, out);
}

void QmpMessageFramer::skipValue(char c) {
  // The refused value ends where its brackets balance, or at the end of the line, so that
  // unbalanced junk cannot swallow the commands that follow it.
  bool ended = c == '\n';
  if (ended) {
    // nothing more to track
  } else if (skip_in_string_) {
    if (skip_escape_) {
      skip_escape_ = false;
    } else if (c == '\\') {
      skip_escape_ = true;
    } else if (c == skip_quote_) {
      skip_in_string_ = false;
      ended = skip_depth_ == 0;
    }
  } else if (c == '"' || c == '\'') {
    skip_in_string_ = true;
    skip_quote_ = c;
  } else if (c == '{' || c == '[') {
    ++skip_depth_;
  } else if ((c == '}' || c == ']') && skip_depth_ > 0) {
    ended = --skip_depth_ == 0;
  }
  if (ended) state_ = State::kBetween;
}

void QmpMessageFramer::startSkipping(size_t depth, bool in_string) {
  skip_depth_ = depth;
  skip_in_string_ = in_string;
  skip_escape_ = in_string && state_ == State::kStringEscape;
  skip_quote_ = quote_;
  text_.clear();
  closers_.clear();
  state_ = State::kSkipValue;
}

void QmpMessageFramer::refuseOversized(std::vector<Message>& out) {
  out.push_back({"", "JSON token size limit exceeded"});
  if (state_ == State::kBareWord) {
    text_.clear();
    state_ = State::kSkipLine;
    return;
  }
  startSkipping(closers_.size(), state_ == State::kString || state_ == State::kStringEscape);
}

void QmpMessageFramer::complete(std::vector<Message>& out) {
  out.push_back({std::move(text_), ""});
  text_.clear();
  closers_.clear();
  state_ = State::kBetween;
}

void QmpMessageFramer::refuse(const std::string& error, std::vector<Message>& out) {
  out.push_back({"", error});
  text_.clear();
  closers_.clear();
  state_ = State::kSkipLine;  // resynchronise at the next line
}

void QmpMessageFramer::store(char c) {
  text_ += c;
}
void QmpMessageFramer::store(const char* text) {
  text_ += text;
}

}  // namespace vtd::serve
