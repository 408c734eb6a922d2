// test_house.cpp - the house keeps its own rules: includes run downward
// through the rooms (scripts/layering.py), no file names a path outside
// the repository (scripts/check-paths.py), docs/design.md's layout table is
// the tree, every room has its README, and every cited anchor of
// docs/references.md and docs/design.md exists.  Each checker is also run
// on a small tree with a planted fault, so a checker that passes
// everything fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace fs = std::filesystem;
using anybit_test::CliRun;
using anybit_test::run_command;
using anybit_test::slurp;
using anybit_test::spit;
using anybit_test::tmp_dir;

namespace {

const std::string kSrc = ANYBIT_SOURCE_DIR;

CliRun script(const std::string &name, const std::string &root = "")
{
    std::string cmd = std::string(ANYBIT_PYTHON3) + " " + kSrc + "/scripts/" + name;
    if (!root.empty())
        cmd += " --root '" + root + "'";
    return run_command(cmd, tmp_dir("house"));
}

// The tree's files as the checkers see them: git's tracked and untracked
// but not ignored files where the source is a checkout, else a walk.
std::vector<std::string> tree_files()
{
    std::vector<std::string> files;
    const CliRun r = run_command("git -C '" + kSrc + "' ls-files --cached --others --exclude-standard",
                                 tmp_dir("house"));
    if (r.status == 0 && !r.out.empty()) {
        // a path in conflict during a merge is listed once per index stage
        std::istringstream in(r.out);
        std::set<std::string> seen;
        for (std::string line; std::getline(in, line);)
            if (fs::is_regular_file(kSrc + "/" + line) && seen.insert(line).second)
                files.push_back(line);
        return files;
    }
    for (auto it = fs::recursive_directory_iterator(kSrc); it != fs::recursive_directory_iterator();
         ++it) {
        const std::string rel = fs::relative(it->path(), kSrc).string();
        const std::string name = it->path().filename().string();
        if (it->is_directory() &&
            (name[0] == '.' || (rel.find('/') == std::string::npos &&
                                (name.rfind("build", 0) == 0 || name == "out")))) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file())
            files.push_back(rel);
    }
    return files;
}

// Copy of the source's code rooms (their sources and READMEs) under dir.
void copy_code_rooms(const std::string &dir)
{
    fs::remove_all(dir);
    for (const std::string &f : tree_files()) {
        const std::string ext = fs::path(f).extension().string();
        const bool code = fs::path(f).filename() == "README.md" || ext == ".c" || ext == ".h" ||
                          ext == ".cpp" || ext == ".hpp";
        if (!code)
            continue;
        fs::create_directories(fs::path(dir + "/" + f).parent_path());
        fs::copy_file(kSrc + "/" + f, dir + "/" + f);
    }
}

} // namespace

TEST(Layering, IncludesRunDownward)
{
    const CliRun r = script("layering.py");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("every include runs downward"), std::string::npos) << r.out;
}

TEST(Layering, CatchesPlantedIncludes)
{
    const std::string dir = tmp_dir("house") + "/layering-tree";
    copy_code_rooms(dir);
    ASSERT_EQ(script("layering.py", dir).status, 0) << "the copy itself must pass";

    // upward: a PE model reaching for the CLI
    const std::string pe = dir + "/sim/pe/pe.c";
    spit(pe, anybit_test::replace(slurp(pe), "#include \"pe.h\"",
                                  "#include \"pe.h\"\n#include \"cli/cli.h\""));
    // into another room's private header
    const std::string eng = dir + "/sim/engine/engine.c";
    spit(eng, anybit_test::replace(slurp(eng), "#include \"pe/pe.h\"",
                                   "#include \"pe/pe.h\"\n#include \"pe/pe_impl.h\""));
    // the ground floor climbing out by a relative path
    const std::string fmt = dir + "/kernels/format.c";
    spit(fmt, anybit_test::replace(slurp(fmt), "#include \"format.h\"",
                                   "#include \"format.h\"\n#include \"../sim/workload/trace.h\""));
    const CliRun r = script("layering.py", dir);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find("sim/pe/pe.c:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("room sim/pe/ may not include sim/cli/"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sim/engine/engine.c:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("private header"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("kernels/format.c:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("3 violation(s)"), std::string::npos) << r.out;
}

TEST(Layering, CatchesACycleOfRooms)
{
    const std::string dir = tmp_dir("house") + "/layering-cycle";
    copy_code_rooms(dir);
    const std::string readme = dir + "/sim/yaml/README.md";
    spit(readme, anybit_test::replace(slurp(readme), "May include: kernels",
                                      "May include: kernels, sim/cli"));
    const CliRun r = script("layering.py", dir);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find("cycle"), std::string::npos) << r.out;
}

TEST(Paths, NoneOutsideTheRepository)
{
    const CliRun r = script("check-paths.py");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
}

TEST(Paths, CatchesPlantedOutsidePaths)
{
    const std::string dir = tmp_dir("house") + "/paths-tree";
    fs::remove_all(dir);
    fs::create_directories(dir + "/docs");
    fs::create_directories(dir + "/configs");
    spit(dir + "/docs/references.md", "# facts\nSee [design](design.md) and ../README.md.\n");
    spit(dir + "/docs/design.md", "# design\n");
    spit(dir + "/README.md", "# a tree\nDocs in docs/design.md.\n");
    spit(dir + "/configs/ok.yaml", "source: docs/references.md#bitmod-pe\n");
    ASSERT_EQ(script("check-paths.py", dir).status, 0) << script("check-paths.py", dir).out;

    const std::string up = std::string("..") + "/shared/" + "REFERENCES" ".md"; // not a literal here
    // (split literals: this file must pass the same check)
    spit(dir + "/configs/bad.yaml", "source: " + up + "\n# from /ho" "me/someone/notes.txt\n");
    spit(dir + "/docs/more" ".md", "as NOTES" ".md says, and docs/missing" ".md\n");
    const CliRun r = script("check-paths.py", dir);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find("configs/bad.yaml:1: names " + up + ", which is no file of the repository"),
              std::string::npos) << r.out;
    EXPECT_NE(r.out.find("configs/bad.yaml:2: names /ho" "me/someone/notes.txt"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("docs/more" ".md:1: names NOTES" ".md"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("docs/more" ".md:1: names docs/missing" ".md"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("4 mention(s)"), std::string::npos) << r.out;
}

// The folders of the tree that hold files, as docs/design.md lists them:
// hidden folders and the folders of tests/fuzz/'s data are no rooms.
std::set<std::string> tree_rooms()
{
    std::set<std::string> rooms;
    for (const std::string &f : tree_files()) {
        const std::string d = fs::path(f).parent_path().string();
        // folders under tests/fuzz/ (seeds, dictionaries, crash inputs) are its data
        if (d.empty() || d[0] == '.' || d.rfind("tests/fuzz/", 0) == 0)
            continue;
        rooms.insert(d + "/");
    }
    return rooms;
}

std::set<std::string> design_layout_rows()
{
    const std::string doc = slurp(kSrc + "/docs/design.md");
    const size_t b = doc.find("<!-- layout:begin -->"), e = doc.find("<!-- layout:end -->");
    EXPECT_NE(b, std::string::npos);
    EXPECT_NE(e, std::string::npos);
    std::set<std::string> rows;
    const std::regex row(R"(^\| `([^`]+)` \|)");
    std::istringstream in(doc.substr(b, e - b));
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, row))
            rows.insert(m[1].str());
    }
    return rows;
}

TEST(Design, LayoutTableEqualsTheTree)
{
    const std::set<std::string> tree = tree_rooms(), table = design_layout_rows();
    for (const std::string &d : tree)
        EXPECT_TRUE(table.count(d)) << d << " is in the tree but not in docs/design.md's layout table";
    for (const std::string &d : table)
        EXPECT_TRUE(tree.count(d)) << d << " is in docs/design.md's layout table but not in the tree";
    // examples/ holds nothing but examples/sweeps/: a room is a folder with files
    EXPECT_GE(table.size(), 20u);
}

// The README's layout table names every room too (rows may group rooms).
TEST(Design, ReadmeLayoutNamesEveryRoom)
{
    const std::string readme = slurp(kSrc + "/README.md");
    const size_t b = readme.find("\n## Layout");
    ASSERT_NE(b, std::string::npos);
    const std::string section = readme.substr(b, readme.find("\n## ", b + 1) - b);
    std::set<std::string> named;
    const std::regex path("`([a-z][a-z0-9/_-]*/)`"); // labs/lab3-btc/ too
    for (auto it = std::sregex_iterator(section.begin(), section.end(), path);
         it != std::sregex_iterator(); ++it)
        named.insert((*it)[1].str());
    const std::set<std::string> rooms = tree_rooms();
    for (const std::string &d : rooms)
        EXPECT_TRUE(named.count(d)) << d << " is in the tree but not in README.md's layout table";
    for (const std::string &d : named)
        EXPECT_TRUE(rooms.count(d)) << d << " is in README.md's layout table but not in the tree";
}

TEST(Design, EveryRoomHasItsReadme)
{
    for (const std::string &d : tree_rooms())
        EXPECT_TRUE(anybit_test::exists(kSrc + "/" + d + "README.md")) << d << " has no README.md";
}

// Anchors a page offers: explicit <a id="..."> and GitHub's heading slugs.
std::set<std::string> anchors_of(const std::string &page)
{
    std::set<std::string> ids;
    const std::string doc = slurp(page);
    const std::regex id(R"(<a id="([^"]+)\">)");
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), id); it != std::sregex_iterator(); ++it)
        ids.insert((*it)[1].str());
    std::istringstream in(doc);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] != '#')
            continue;
        std::string slug;
        for (char c : line.substr(line.find_first_not_of("# ")))
            if (std::isalnum(static_cast<unsigned char>(c)))
                slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            else if (c == ' ' || c == '-')
                slug += '-';
        ids.insert(slug);
    }
    return ids;
}

TEST(References, EveryCitedAnchorExists)
{
    const std::set<std::string> refs = anchors_of(kSrc + "/docs/references.md"),
                                design = anchors_of(kSrc + "/docs/design.md");
    ASSERT_TRUE(refs.count("bitmod-pe")) << "the anchors the code cites are gone";
    const std::regex cite(R"((references|design)\.md#([A-Za-z0-9_-]+))");
    size_t cites = 0;
    for (const std::string &f : tree_files()) {
        if (f.rfind("tests/fuzz/", 0) == 0 && f.find('/', 11) != std::string::npos)
            continue; // fuzz data
        const std::string text = slurp(kSrc + "/" + f);
        if (text.find('\0') != std::string::npos)
            continue;
        for (auto it = std::sregex_iterator(text.begin(), text.end(), cite); it != std::sregex_iterator();
             ++it) {
            const std::set<std::string> &ids = (*it)[1].str() == "references" ? refs : design;
            EXPECT_TRUE(ids.count((*it)[2].str())) << f << " cites " << (*it)[0].str()
                                                   << ", an anchor the page does not have";
            cites++;
        }
    }
    EXPECT_GE(cites, 30u) << "the configs, recipes and sources cite docs/references.md";
}
