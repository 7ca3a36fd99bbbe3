// SweepRunner: child processes, the resumable table, progress.
#include "platform/app/sweep_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "platform/app/cli.h"

extern char** environ;

namespace vtd::app {

namespace fs = std::filesystem;

namespace {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::vector<std::string> csvSplitLine(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string joinLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csvField(fields[i]);
  return line;
}

std::string selfExecutable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("sweep: cannot find this executable (/proc/self/exe)");
  return p.string();
}

std::string number(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

std::string clock(double seconds) {
  const long s = long(seconds + 0.5);
  char b[32];
  std::snprintf(b, sizeof b, "%ld:%02ld", s / 60, s % 60);
  return b;
}

// The last lines of a run's log, for the failure report.
std::string logTail(const fs::path& log, size_t lines) {
  std::ifstream in(log);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "    " + all[i] + "\n";
  return out;
}

// The grid and the executable that runs it: rows made by another build of vtdsim (its
// size and modification time differ) are not mixed with new ones.
nlohmann::json gridJson(const SweepGrid& g, const std::string& exe) {
  nlohmann::json axes = nlohmann::json::array();
  for (const SweepAxis& a : g.axes) axes.push_back({{"param", a.param}, {"values", a.values}});
  std::error_code ec;
  const auto size = fs::file_size(exe, ec);
  const auto mtime = fs::last_write_time(exe, ec).time_since_epoch().count();
  return {{"command", g.command}, {"args", g.args}, {"set", g.sets}, {"axes", axes}, {"stats", g.stats},
          {"vtdsim", {{"path", exe}, {"size", size}, {"mtime", mtime}}}};
}

class Table {
 public:
  Table(const SweepGrid& grid, const std::vector<std::string>& stats, const fs::path& dir, bool fresh,
        const std::string& exe)
      : path_(dir / "sweep.csv"), stats_(stats) {
    header_ = {"run"};
    for (const SweepAxis& a : grid.axes) header_.push_back(a.param);
    header_.insert(header_.end(), {"status", "host_s"});
    header_.insert(header_.end(), stats.begin(), stats.end());
    header_.push_back("throughput_gbps");
    const fs::path grid_file = dir / "sweep_grid.json";
    const nlohmann::json want = gridJson(grid, exe);
    if (!fresh && fs::exists(path_)) {
      if (!fs::exists(grid_file) || nlohmann::json::parse(std::ifstream(grid_file), nullptr, false) != want)
        throw CliError(path_.string() + " belongs to another grid or another build of vtdsim "
                       "(sweep_grid.json differs or is missing): use --fresh to start over, or "
                       "another --out");
      std::ifstream in(path_);
      std::string line;
      if (!std::getline(in, line) || csvSplitLine(line) != header_)
        throw CliError(path_.string() + ": unexpected columns; use --fresh to start over");
      for (size_t n = 2; std::getline(in, line); ++n) {
        const std::vector<std::string> f = csvSplitLine(line);
        if (f.size() != header_.size()) continue;  // a row cut short by an interruption
        if (f[grid.axes.size() + 1] != "ok") continue;  // failed: dropped, run again
        done_.insert(std::stoul(f[0]));
        kept_.push_back(line);
      }
    }
    std::ofstream(grid_file) << want.dump(2) << "\n";
    // Rewrite with the complete rows only (drops a torn last line), then append.
    std::ofstream out(path_, std::ios::trunc);
    out << joinLine(header_) << "\n";
    for (const std::string& l : kept_) out << l << "\n";
  }
  bool done(size_t run) const { return done_.count(run) != 0; }
  size_t doneCount() const { return done_.size(); }

  void add(size_t run, const std::vector<std::string>& point, bool ok, double host_s,
           const fs::path& stats_file) {
    std::vector<std::string> row = {std::to_string(run)};
    row.insert(row.end(), point.begin(), point.end());
    row.push_back(ok ? "ok" : "failed");
    row.push_back(number(host_s));
    nlohmann::json stats;
    if (ok) {
      std::ifstream in(stats_file);
      stats = nlohmann::json::parse(in, nullptr, false);
      if (stats.is_discarded() || !stats.contains("stats")) stats = nlohmann::json::object();
      else stats = stats["stats"];
    }
    auto value = [&](const std::string& k) -> const nlohmann::json* {
      auto it = stats.find(k);
      return it != stats.end() && it->is_number() ? &*it : nullptr;
    };
    for (const std::string& k : stats_) row.push_back(value(k) ? number(value(k)->get<double>()) : "");
    const nlohmann::json *bytes = value("vtd.dma_bytes"), *ns = value("sim.dma_phase_ns");
    row.push_back(bytes && ns && ns->get<double>() > 0
                      ? number(bytes->get<double>() * 8 / ns->get<double>())
                      : "");
    std::ofstream(path_, std::ios::app) << joinLine(row) << "\n";  // flushed per row
  }

 private:
  fs::path path_;
  std::vector<std::string> stats_, header_, kept_;
  std::set<size_t> done_;
};

struct Child {
  size_t run;
  std::chrono::steady_clock::time_point start;
};

pid_t spawn(const std::string& exe, const SweepGrid& grid, size_t run, const fs::path& dir) {
  std::vector<std::string> args = {exe, grid.command};
  args.insert(args.end(), grid.args.begin(), grid.args.end());
  args.insert(args.end(), {"--quiet", "--out", dir.string()});
  for (const std::string& s : grid.settings(run)) args.insert(args.end(), {"--set", s});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (dir / "log.txt").string();
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int e = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (e != 0) throw std::runtime_error("sweep: cannot start " + exe + ": " + std::strerror(e));
  return pid;
}

}  // namespace

std::vector<std::map<std::string, std::string>> readSweepRows(const std::string& csv_file) {
  std::ifstream in(csv_file);
  std::string line;
  std::vector<std::map<std::string, std::string>> rows;
  if (!std::getline(in, line)) return rows;
  const std::vector<std::string> header = csvSplitLine(line);
  const auto status = std::find(header.begin(), header.end(), "status");
  while (std::getline(in, line)) {
    const std::vector<std::string> f = csvSplitLine(line);
    if (f.size() != header.size() || status == header.end() || f[status - header.begin()] != "ok") continue;
    std::map<std::string, std::string> r;
    for (size_t i = 0; i < f.size(); ++i) r[header[i]] = f[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string plotInterpreter() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

SweepSummary runSweep(const SweepGrid& grid, const SweepRunOptions& options) {
  using clock_t = std::chrono::steady_clock;
  const auto t0 = clock_t::now();
  const fs::path dir = options.out;
  fs::create_directories(dir / "runs");
  const std::vector<std::string>& stats = grid.stats.empty() ? defaultSweepStats() : grid.stats;
  const std::string exe = selfExecutable();
  Table table(grid, stats, dir, options.fresh, exe);

  SweepSummary s;
  s.runs = grid.runs();
  std::vector<size_t> todo;
  for (size_t r = 0; r < s.runs; ++r) (table.done(r) ? ++s.skipped : (todo.push_back(r), 0));
  std::map<pid_t, Child> running;
  double busy_s = 0;  // host seconds of finished runs (for the estimate)
  size_t next = 0, finished = 0;

  auto progress = [&](bool final) {
    const double elapsed = std::chrono::duration<double>(clock_t::now() - t0).count();
    const size_t left = todo.size() - finished;
    std::string eta = "-";
    if (finished) eta = clock(busy_s / double(finished) * double(left) / double(options.jobs));
    const size_t width = 30, filled = todo.empty() ? width : width * finished / todo.size();
    char line[256];
    std::snprintf(line, sizeof line, "[%s%s] %zu/%zu runs (%zu skipped), %zu running, %zu failed, %s elapsed, ~%s left",
                  std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                  finished + s.skipped, s.runs, s.skipped, running.size(), s.failed,
                  clock(elapsed).c_str(), final ? "0:00" : eta.c_str());
    if (options.progress_tty) std::fprintf(stderr, "\r%s%s", line, final ? "\n" : "");
    else std::fprintf(stderr, "%s\n", line);
  };

  while (next < todo.size() || !running.empty()) {
    while (!s.config_error && next < todo.size() && running.size() < options.jobs) {
      const size_t run = todo[next++];
      const fs::path run_dir = dir / "runs" / std::to_string(run);
      fs::create_directories(run_dir);
      running[spawn(exe, grid, run, run_dir)] = Child{run, clock_t::now()};
    }
    if (running.empty()) break;
    if (options.progress_tty) progress(false);
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw std::runtime_error("sweep: waitpid failed");
    auto it = running.find(pid);
    if (it == running.end()) continue;  // not ours
    const Child c = it->second;
    running.erase(it);
    const double host_s = std::chrono::duration<double>(clock_t::now() - c.start).count();
    const fs::path run_dir = dir / "runs" / std::to_string(c.run);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    table.add(c.run, grid.point(c.run), ok, host_s, run_dir / "stats.json");
    ++finished;
    busy_s += host_s;
    ok ? ++s.ok : ++s.failed;
    if (!ok) {
      if (WIFEXITED(status) && WEXITSTATUS(status) == 2) s.config_error = true;
      std::string settings;
      for (const std::string& x : grid.settings(c.run)) settings += " " + x;
      std::fprintf(stderr, "%ssweep: run %zu (%s) failed (%s %d); %s:\n%s",
                   options.progress_tty ? "\n" : "", c.run, settings.c_str() + 1,
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                   (run_dir / "log.txt").c_str(), logTail(run_dir / "log.txt", 5).c_str());
    }
    if (!options.progress_tty) progress(false);
  }
  if (options.progress_tty || finished == 0) progress(true);  // else the last line said it
  s.seconds = std::chrono::duration<double>(clock_t::now() - t0).count();
  return s;
}

}  // namespace vtd::app
