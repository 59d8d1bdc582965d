// See render.h.
#include "report/render.h"

#include "report/html.h"
#include "report/junit.h"
#include "report/markdown.h"
#include "report/sarif.h"

namespace dc {

std::optional<Format> format_from_name(std::string_view name) {
  for (Format f :
       {Format::Text, Format::Json, Format::Junit, Format::Sarif, Format::Html, Format::Markdown})
    if (name == format_name(f)) return f;
  return std::nullopt;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::Text:
      return "text";
    case Format::Json:
      return "json";
    case Format::Junit:
      return "junit";
    case Format::Sarif:
      return "sarif";
    case Format::Html:
      return "html";
    case Format::Markdown:
      return "markdown";
  }
  return "?";
}

std::string scorecard_text(const nlohmann::json& scorecard) {
  return scorecard.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render(Format f, const nlohmann::json& sc, const TextStyle& text) {
  switch (f) {
    case Format::Text:
      return render_text(sc, text);
    case Format::Json:
      return scorecard_text(sc);
    case Format::Junit:
      return render_junit(sc);
    case Format::Sarif:
      return scorecard_text(render_sarif(sc));
    case Format::Html:
      return render_html(sc);
    case Format::Markdown:
      return render_markdown(sc);
  }
  return "";
}

}  // namespace dc
