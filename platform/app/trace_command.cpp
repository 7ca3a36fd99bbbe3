// `vtdsim trace convert|generate|info`: the trace tools that need no machine.
//   convert IN OUT     binary <-> text (the output form follows OUT's name: *.txt is text)
//   generate OUT ...   a synthetic DMA trace (traces/gen/synthetic_trace.h)
//   info IN            records by kind, sources, time span: reads the whole trace, so it
//                      also checks it (a malformed trace fails naming its byte or line)
// "-" is standard input / output. Its own option parser: these options are not parameters.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "platform/app/cli.h"
#include "traces/format/trace_file.h"
#include "traces/gen/synthetic_trace.h"

namespace vtd::app {

namespace {

uint64_t number(const std::string& option, const std::string& text) {
  try {
    size_t used = 0;
    const uint64_t v = std::stoull(text, &used, 0);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw CliError(option + " needs a number, not '" + text + "'");
}

double fraction(const std::string& option, const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v >= 0 && v <= 1) return v;
  } catch (const std::exception&) {
  }
  throw CliError(option + " needs a fraction between 0 and 1, not '" + text + "'");
}

int convert(const std::vector<std::string>& args) {
  if (args.size() != 2) throw CliError("trace convert needs: IN OUT (OUT ending in .txt is text, else binary)");
  trace::TraceInput in(args[0]);
  trace::TraceOutput out(args[1], trace::formForName(args[1]));
  uint64_t n = 0;
  for (trace::TraceRecord r; in.source().next(r); ++n) out.sink().put(r);
  out.finish();
  if (args[1] != "-") std::cerr << "vtdsim trace convert: " << n << " records\n";
  return 0;
}

int generate(const std::vector<std::string>& args) {
  trace::SyntheticParams p;
  std::string out_path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw CliError(a + " needs a value");
      return args[++i];
    };
    if (a == "--events") p.events = number(a, value());
    else if (a == "--pattern") {
      const std::string v = value();
      if (v == "random") p.pattern = trace::SyntheticParams::Pattern::Random;
      else if (v == "sequential") p.pattern = trace::SyntheticParams::Pattern::Sequential;
      else throw CliError("--pattern is random or sequential, not '" + v + "'");
    } else if (a == "--pages") p.pages = number(a, value());
    else if (a == "--size") p.size = uint32_t(number(a, value()));
    else if (a == "--base") p.base = number(a, value());
    else if (a == "--gap-ps") p.gap_ps = number(a, value());
    else if (a == "--seed") p.seed = number(a, value());
    else if (a == "--hot-pages") p.hot_pages = number(a, value());
    else if (a == "--write-fraction") p.write_fraction = fraction(a, value());
    else if (a == "--hot-fraction") p.hot_fraction = fraction(a, value());
    else if (a == "--source") {
      const std::string v = value();
      if (!trace::parseSourceId(v, p.source)) throw CliError("--source needs bb:dd.f, not '" + v + "'");
    } else if (!a.empty() && a[0] == '-' && a != "-") throw CliError("trace generate: unknown option '" + a + "'");
    else if (out_path.empty()) out_path = a;
    else throw CliError("trace generate takes one output file, not also '" + a + "'");
  }
  if (out_path.empty()) throw CliError("trace generate needs an output file (\"-\" for standard output)");
  trace::SyntheticTrace gen(p);
  trace::TraceOutput out(out_path, trace::formForName(out_path));
  for (trace::TraceRecord r; gen.next(r);) out.sink().put(r);
  out.finish();
  return 0;
}

int info(const std::vector<std::string>& args) {
  if (args.size() != 1) throw CliError("trace info needs one trace file");
  trace::TraceInput in(args[0]);
  uint64_t counts[3] = {}, bytes = 0, first = 0, last = 0, n = 0;
  std::map<uint16_t, uint64_t> sources;
  for (trace::TraceRecord r; in.source().next(r); ++n) {
    ++counts[unsigned(r.kind)];
    if (n == 0) first = r.time_ps;
    last = r.time_ps;
    if (r.kind == trace::RecordKind::Dma) {
      ++sources[r.dma.source];
      bytes += r.dma.size;
    }
  }
  std::printf("%s: %s trace, %llu records: %llu DMA (%llu bytes), %llu register writes, %llu invalidation descriptors\n",
              args[0].c_str(), in.form() == trace::TraceForm::Binary ? "binary" : "text", (unsigned long long)n,
              (unsigned long long)counts[0], (unsigned long long)bytes, (unsigned long long)counts[1],
              (unsigned long long)counts[2]);
  std::printf("  time %llu .. %llu ps\n", (unsigned long long)first, (unsigned long long)last);
  for (auto& [s, c] : sources) std::printf("  source %s: %llu DMA records\n", trace::sourceIdText(s).c_str(), (unsigned long long)c);
  return 0;
}

}  // namespace

int traceCommand(int argc, char** argv, int first) {
  if (first >= argc) throw CliError("trace needs one of: convert, generate, info");
  const std::string what = argv[first];
  const std::vector<std::string> args(argv + first + 1, argv + argc);
  if (what == "convert") return convert(args);
  if (what == "generate") return generate(args);
  if (what == "info") return info(args);
  throw CliError("trace: unknown tool '" + what + "' (convert, generate, info)");
}

}  // namespace vtd::app
