#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "io/csv_reader.h"

namespace movierec::io {
namespace {

// A record copied out of the reader, whose views die with the next call.
struct Rec {
  int64_t line = 0;
  int64_t line_count = 0;
  std::string raw;
  std::vector<std::string> fields;
  std::string error;

  bool operator==(const Rec&) const = default;
};

void PrintTo(const Rec& r, std::ostream* os) {
  *os << "{line " << r.line << " x" << r.line_count << " raw=" << ::testing::PrintToString(r.raw)
      << " fields=" << ::testing::PrintToString(r.fields);
  if (!r.error.empty()) *os << " error=" << r.error;
  *os << "}";
}

Rec Copy(const CsvRecord& r) {
  Rec out;
  out.line = r.line;
  out.line_count = r.line_count;
  out.raw = std::string(r.raw);
  for (std::string_view f : r.fields) out.fields.emplace_back(f);
  if (r.error != nullptr) out.error = r.error;
  return out;
}

std::vector<Rec> ReadAll(std::string_view text, const CsvDialect& dialect = {}, size_t pos = 0,
                         int64_t line = 1) {
  std::vector<Rec> out;
  CsvCursor cursor(text, pos, line, dialect);
  CsvRecord record;
  while (cursor.Next(record)) out.push_back(Copy(record));
  EXPECT_EQ(cursor.pos(), text.size());
  return out;
}

struct Collector {
  std::vector<Rec> records;
  void operator()(const CsvRecord& r) { records.push_back(Copy(r)); }
};

std::vector<Rec> ReadParallel(std::string_view text, const CsvDialect& dialect, int workers,
                              size_t chunk_bytes, size_t pos = 0, int64_t line = 1) {
  auto sinks =
      ParseParallel(text, pos, line, dialect, workers, chunk_bytes, [] { return Collector{}; });
  std::vector<Rec> out;
  for (auto& s : sinks) out.insert(out.end(), s.records.begin(), s.records.end());
  return out;
}

Rec R(int64_t line, std::string raw, std::vector<std::string> fields, int64_t line_count = 1) {
  return Rec{line, line_count, std::move(raw), std::move(fields), ""};
}

Rec Bad(int64_t line, std::string raw, std::string error) {
  return Rec{line, 1, std::move(raw), {}, std::move(error)};
}

const char* const kJunk = "unexpected character after closing quote";
const char* const kUnterminated = "unterminated quoted field";

CsvDialect Dialect(std::string delimiter, bool quoting = true) {
  CsvDialect d;
  d.delimiter = std::move(delimiter);
  d.quoting = quoting;
  return d;
}

// --- sequential cursor --------------------------------------------------------------------

TEST(CsvCursor, SimpleRecords) {
  EXPECT_EQ(ReadAll("a,b,c\n1,2,3\n"),
            (std::vector<Rec>{R(1, "a,b,c", {"a", "b", "c"}), R(2, "1,2,3", {"1", "2", "3"})}));
}

TEST(CsvCursor, EmptyTextHasNoRecords) {
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\n\n\r\n").empty());
}

TEST(CsvCursor, QuotedFieldsAndDoubledQuotes) {
  EXPECT_EQ(
      ReadAll("\"a \"\"q\"\" b\",x,\"\",\"\"\"\"\n"),
      (std::vector<Rec>{R(1, "\"a \"\"q\"\" b\",x,\"\",\"\"\"\"", {"a \"q\" b", "x", "", "\""})}));
}

TEST(CsvCursor, ManyEscapedFieldsInOneRecordStayValid) {
  // Enough unescaped text to make the internal buffer grow several times within the record.
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string body(static_cast<size_t>(i * 7 + 1), static_cast<char>('a' + i % 26));
    text += (i ? "," : "") + std::string("\"") + body + "\"\"" + body + "\"";
    expected.push_back(body + "\"" + body);
  }
  const auto records = ReadAll(text + "\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, expected);
}

TEST(CsvCursor, EmbeddedDelimiterAndNewlineKeepLineNumbers) {
  const std::string text = "id,title\n1,\"a,b\nc\n\",2\n3,x\n\"p\"\"\nq\",4\n5,y\n";
  EXPECT_EQ(ReadAll(text), (std::vector<Rec>{
                               R(1, "id,title", {"id", "title"}),
                               R(2, "1,\"a,b\nc\n\",2", {"1", "a,b\nc\n", "2"}, 3),
                               R(5, "3,x", {"3", "x"}),
                               R(6, "\"p\"\"\nq\",4", {"p\"\nq", "4"}, 2),
                               R(8, "5,y", {"5", "y"}),
                           }));
}

TEST(CsvCursor, CrLfLineEnds) {
  EXPECT_EQ(ReadAll("a,b\r\n1,\"2\"\r\n\"x\r\ny\",3\r\n"),
            (std::vector<Rec>{R(1, "a,b", {"a", "b"}), R(2, "1,\"2\"", {"1", "2"}),
                              R(3, "\"x\r\ny\",3", {"x\r\ny", "3"}, 2)}));
}

TEST(CsvCursor, CarriageReturnElsewhereIsData) {
  EXPECT_EQ(ReadAll("a\rb,c\r\n"), (std::vector<Rec>{R(1, "a\rb,c", {"a\rb", "c"})}));
  EXPECT_EQ(ReadAll("a,\r\r\n"), (std::vector<Rec>{R(1, "a,\r", {"a", "\r"})}));
}

TEST(CsvCursor, TrailingLineWithoutNewline) {
  EXPECT_EQ(ReadAll("a,b\n1,2"),
            (std::vector<Rec>{R(1, "a,b", {"a", "b"}), R(2, "1,2", {"1", "2"})}));
  EXPECT_EQ(ReadAll("1,2\r"), (std::vector<Rec>{R(1, "1,2", {"1", "2"})}));
  EXPECT_EQ(ReadAll("1,\"2\""), (std::vector<Rec>{R(1, "1,\"2\"", {"1", "2"})}));
  EXPECT_EQ(ReadAll("1,"), (std::vector<Rec>{R(1, "1,", {"1", ""})}));
}

TEST(CsvCursor, EmptyLinesAreSkippedButCounted) {
  EXPECT_EQ(ReadAll("\n\na\n\r\n\nb\n\n"), (std::vector<Rec>{R(3, "a", {"a"}), R(6, "b", {"b"})}));
}

TEST(CsvCursor, EmptyFields) {
  EXPECT_EQ(ReadAll(",,\n,\"\",\n"),
            (std::vector<Rec>{R(1, ",,", {"", "", ""}), R(2, ",\"\",", {"", "", ""})}));
}

TEST(CsvCursor, QuoteInsideUnquotedFieldIsOrdinary) {
  EXPECT_EQ(ReadAll("ab\"c,d\"\n"), (std::vector<Rec>{R(1, "ab\"c,d\"", {"ab\"c", "d\""})}));
}

TEST(CsvCursor, TabPipeAndDoubleColonDelimiters) {
  EXPECT_EQ(ReadAll("196\t242\t3\t881250949\n", Dialect("\t", false)),
            (std::vector<Rec>{R(1, "196\t242\t3\t881250949", {"196", "242", "3", "881250949"})}));
  EXPECT_EQ(ReadAll("1|Toy Story (1995)|01-Jan-1995||http://x\n", Dialect("|", false)),
            (std::vector<Rec>{R(1, "1|Toy Story (1995)|01-Jan-1995||http://x",
                                {"1", "Toy Story (1995)", "01-Jan-1995", "", "http://x"})}));
  EXPECT_EQ(ReadAll("1::Toy Story (1995)::Animation|Children's\n2::a:b::c:\n3:::x\n",
                    Dialect("::", false)),
            (std::vector<Rec>{
                R(1, "1::Toy Story (1995)::Animation|Children's",
                  {"1", "Toy Story (1995)", "Animation|Children's"}),
                R(2, "2::a:b::c:", {"2", "a:b", "c:"}),
                R(3, "3:::x", {"3", ":x"}),
            }));
  // Quoting with a two-character delimiter: the closing quote must be followed by all of it.
  EXPECT_EQ(ReadAll("\"a::b\"::c\n\"d\":e\n", Dialect("::")),
            (std::vector<Rec>{R(1, "\"a::b\"::c", {"a::b", "c"}), Bad(2, "\"d\":e", kJunk)}));
}

TEST(CsvCursor, QuotingDisabledTakesQuotesVerbatim) {
  EXPECT_EQ(ReadAll("1::\"Hello\"::x\n\"abc\n", Dialect("::", false)),
            (std::vector<Rec>{R(1, "1::\"Hello\"::x", {"1", "\"Hello\"", "x"}),
                              R(2, "\"abc", {"\"abc"})}));
}

TEST(CsvCursor, JunkAfterClosingQuoteDamagesOnlyItsLine) {
  EXPECT_EQ(ReadAll("h1,h2\n\"abc\"x,1\n2,3\n"),
            (std::vector<Rec>{R(1, "h1,h2", {"h1", "h2"}), Bad(2, "\"abc\"x,1", kJunk),
                              R(3, "2,3", {"2", "3"})}));
  // The bad quote spans a newline: only the first physical line is reported and the next
  // line is read as a record of its own.
  EXPECT_EQ(ReadAll("\"ab\ncd\"x,1\r\n5,6\n"),
            (std::vector<Rec>{Bad(1, "\"ab", kJunk), R(2, "cd\"x,1", {"cd\"x", "1"}),
                              R(3, "5,6", {"5", "6"})}));
}

TEST(CsvCursor, UnterminatedQuoteResumesAtNextLine) {
  EXPECT_EQ(ReadAll("1,2\n3,\"abc\r\n4,5\n\n6,7"),
            (std::vector<Rec>{R(1, "1,2", {"1", "2"}), Bad(2, "3,\"abc", kUnterminated),
                              R(3, "4,5", {"4", "5"}), R(5, "6,7", {"6", "7"})}));
  EXPECT_EQ(ReadAll("\""), (std::vector<Rec>{Bad(1, "\"", kUnterminated)}));
}

TEST(CsvCursor, FieldsOfEveryLengthAcrossScanBlocks) {
  // Field ends are found 64 bytes at a time; check ends at every offset within and across
  // blocks, with delimiters ("::" too) straddling block edges, against a plain split.
  for (const std::string delim : {",", "::", "\t"}) {
    std::mt19937 rng(11);
    std::string text;
    std::vector<Rec> expected;
    for (int line = 1; line <= 300; ++line) {
      Rec r;
      r.line = line;
      r.line_count = 1;
      const int fields = 1 + static_cast<int>(rng() % 6);
      for (int f = 0; f < fields; ++f) {
        std::string field(rng() % 150, 'x');
        for (char& c : field) c = "abc:; "[rng() % 6];
        if (delim == "::") {  // no "::" inside, nor a ':' that would join the delimiter
          for (size_t i = 1; i < field.size(); ++i) {
            if (field[i] == ':' && field[i - 1] == ':') field[i] = 'z';
          }
          if (!field.empty() && field.back() == ':') field.back() = 'z';
          if (!field.empty() && field.front() == ':') field.front() = 'z';
        }
        r.raw += (f ? delim : "") + field;
        r.fields.push_back(field);
      }
      text += r.raw + (line % 3 == 0 ? "\r\n" : "\n");
      expected.push_back(r);
    }
    EXPECT_EQ(ReadAll(text, Dialect(delim)), expected) << "delimiter " << delim;
    EXPECT_EQ(ReadParallel(text, Dialect(delim), 2, 500), expected) << "delimiter " << delim;
  }
}

TEST(CsvCursor, StartsAtGivenPositionAndLine) {
  const std::string text = "skip me\nx,y\n\"m\nn\"\nz\n";
  EXPECT_EQ(ReadAll(text, {}, 8, 10),
            (std::vector<Rec>{R(10, "x,y", {"x", "y"}), R(11, "\"m\nn\"", {"m\nn"}, 2),
                              R(13, "z", {"z"})}));
}

TEST(CsvCursor, PositionAndLineAdvancePerRecord) {
  const std::string text = "a\n\"b\nc\"\n\nd";
  CsvCursor cursor(text, 0, 1, {});
  CsvRecord r;
  ASSERT_TRUE(cursor.Next(r));
  EXPECT_EQ(cursor.pos(), 2u);
  EXPECT_EQ(cursor.line(), 2);
  ASSERT_TRUE(cursor.Next(r));
  EXPECT_EQ(cursor.pos(), 8u);
  EXPECT_EQ(cursor.line(), 4);
  ASSERT_TRUE(cursor.Next(r));
  EXPECT_EQ(r.line, 5);
  EXPECT_FALSE(cursor.Next(r));
  EXPECT_FALSE(cursor.Next(r));
}

// --- header -------------------------------------------------------------------------------

TEST(CsvHeader, TrimsFieldsAndPointsAfterHeader) {
  const std::string text = "\n userId , movieId ,\"rating \"\r\n1,2,3\n";
  const CsvHeader h = ReadHeader(text, {});
  EXPECT_EQ(h.fields, (std::vector<std::string>{"userId", "movieId", "rating"}));
  EXPECT_EQ(h.data_pos, text.find('1'));
  EXPECT_EQ(h.data_line, 3);
}

TEST(CsvHeader, EmptyTextAndHeaderOnly) {
  const CsvHeader empty = ReadHeader("", {});
  EXPECT_TRUE(empty.fields.empty());
  EXPECT_EQ(empty.data_pos, 0u);
  EXPECT_EQ(empty.data_line, 1);
  const CsvHeader only = ReadHeader("A::B", Dialect("::", false));
  EXPECT_EQ(only.fields, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(only.data_pos, 4u);
}

// --- parallel -----------------------------------------------------------------------------

// Texts built from CSV-like pieces, with the awkward cases mixed in: quoted delimiters and
// newlines, doubled quotes, junk after a closing quote, unterminated quotes, CRLF, empty
// lines and a missing final newline.
std::string StructuredText(std::mt19937& rng, const std::string& delim) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::string text;
  const int records = 5 + pick(80);
  for (int r = 0; r < records; ++r) {
    const int fields = 1 + pick(4);
    for (int f = 0; f < fields; ++f) {
      if (f > 0) text += delim;
      switch (pick(12)) {
        case 0:
          text += "\"q" + delim + "\nz\"";
          break;
        case 1:
          text += "\"a\"\"b\"";
          break;
        case 2:
          text += "\"\n\n\"";
          break;
        case 3:
          text += "\"bad\"x";
          break;
        case 4:
          if (pick(4) == 0)
            text += "\"open";
          else
            text += "x\"y";
          break;
        case 5:
          text += "";
          break;
        case 6:
          text += "\"\"";
          break;
        default:
          text += std::to_string(pick(100000));
          break;
      }
    }
    switch (pick(8)) {
      case 0:
        text += "\r\n";
        break;
      case 1:
        text += "\n\n";
        break;
      default:
        text += "\n";
        break;
    }
  }
  if (pick(3) == 0 && !text.empty()) text.pop_back();
  return text;
}

// Noise from a small alphabet: every combination of quote, delimiter and line end shows up.
std::string ChaosText(std::mt19937& rng) {
  static const char kAlphabet[] = {'a', 'b', ',', ',', '"', '"', '\n', '\n', '\r', ':', ' '};
  std::string text(20 + rng() % 400, ' ');
  for (char& c : text) c = kAlphabet[rng() % sizeof kAlphabet];
  return text;
}

TEST(ParseParallel, MatchesSequentialOnRandomTexts) {
  const CsvDialect dialects[] = {Dialect(","), Dialect("::"), Dialect("\t"), Dialect(",", false),
                                 Dialect("::", false)};
  const size_t chunk_sizes[] = {1, 2, 3, 5, 8, 13, 40, 0};
  for (unsigned seed = 0; seed < 300; ++seed) {
    std::mt19937 rng(seed);
    const CsvDialect& dialect = dialects[seed % 5];
    const std::string text =
        seed % 2 == 0 ? StructuredText(rng, dialect.delimiter) : ChaosText(rng);
    const auto expected = ReadAll(text, dialect);
    for (size_t chunk : chunk_sizes) {
      for (int workers : {1, 2, 3}) {
        ASSERT_EQ(ReadParallel(text, dialect, workers, chunk), expected)
            << "seed " << seed << " chunk " << chunk << " workers " << workers << "\ntext "
            << ::testing::PrintToString(text);
      }
    }
  }
}

TEST(ParseParallel, MatchesSequentialWithCutsAtEveryByte) {
  // Each cut position is tried: inside quoted newlines, right after the quote of a malformed
  // field, between CR and LF, inside "::" and in runs of empty lines.
  const std::string texts[] = {
      "h1,h2\n1,\"a\nb\nc\"\n2,\"x\"y\n3,\"open\n4,5\n\n\n6,\"\"\"\n\"\"\"\n7,8\r\n9,\"10\"",
      "\"a\n\"\"b\n\",1\n\"\n\",\"\n\"\n\"z\"q\nw\"\n\"tail",
      "\"\n\n\n\n\"\n\"unterminated\n\n\nx\n",
  };
  for (const std::string& text : texts) {
    for (const CsvDialect& dialect : {Dialect(","), Dialect(",", false)}) {
      const auto expected = ReadAll(text, dialect);
      for (size_t chunk = 1; chunk <= text.size() + 1; ++chunk) {
        ASSERT_EQ(ReadParallel(text, dialect, 2, chunk), expected)
            << "chunk " << chunk << " text " << ::testing::PrintToString(text);
      }
    }
  }
}

TEST(ParseParallel, StartsAtGivenPositionAndLine) {
  std::string text = "userId,movieId\n";
  for (int i = 0; i < 500; ++i) text += std::to_string(i) + ",\"m\n" + std::to_string(i) + "\"\n";
  const CsvHeader header = ReadHeader(text, {});
  const auto expected = ReadAll(text, {}, header.data_pos, header.data_line);
  ASSERT_EQ(expected.size(), 500u);
  EXPECT_EQ(expected.back().line, 2 + 2 * 499);
  for (size_t chunk : {size_t{7}, size_t{64}, size_t{1000}, size_t{0}}) {
    EXPECT_EQ(ReadParallel(text, {}, 2, chunk, header.data_pos, header.data_line), expected);
  }
  // The automatic chunking with default arguments.
  auto sinks =
      ParseParallel(text, header.data_pos, header.data_line, {}, 4, [] { return Collector{}; });
  size_t n = 0;
  for (auto& s : sinks) n += s.records.size();
  EXPECT_EQ(n, 500u);
}

TEST(ParseParallel, EmptyInputAndPositionAtEnd) {
  EXPECT_TRUE(ReadParallel("", {}, 2, 0).empty());
  EXPECT_TRUE(ReadParallel("", {}, 2, 1).empty());
  EXPECT_TRUE(ReadParallel("a,b\n", {}, 2, 1, 4, 2).empty());
}

TEST(ParseParallel, SinkExceptionPropagates) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + ",x\n";
  struct Thrower {
    void operator()(const CsvRecord& r) {
      if (r.raw == "1500,x") throw std::runtime_error("boom at " + std::to_string(r.line));
    }
  };
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{100}, size_t{5000}}) {
    for (int workers : {1, 2, 4}) {
      try {
        ParseParallel(text, 0, 1, {}, workers, chunk, [] { return Thrower{}; });
        ADD_FAILURE() << "no exception, chunk " << chunk << " workers " << workers;
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "boom at 1501");
      }
    }
  }
}

TEST(ParseParallel, SinkFailureOnMisguessedChunkIsNotReported) {
  // Lines starting with '#' exist only inside quoted fields. A chunk guessed to start there
  // feeds them to its sink as records; that chunk is discarded, so its exception must be too.
  std::string text;
  for (int i = 0; i < 300; ++i) text += std::to_string(i) + ",\"note\n#inner\n#more\"\n";
  struct Strict {
    size_t n = 0;
    void operator()(const CsvRecord& r) {
      if (!r.raw.empty() && r.raw[0] == '#') throw std::runtime_error("saw a comment line");
      ++n;
    }
  };
  for (size_t chunk : {size_t{3}, size_t{10}, size_t{33}, size_t{200}}) {
    for (int workers : {1, 2, 3}) {
      size_t total = 0;
      for (auto& s : ParseParallel(text, 0, 1, {}, workers, chunk, [] { return Strict{}; })) {
        total += s.n;
      }
      EXPECT_EQ(total, 300u) << "chunk " << chunk << " workers " << workers;
    }
  }
}

TEST(ParseParallel, MakeSinkRunsOnCallerThreadOncePerChunkOrRetry) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "1,\"a\nb\"\n";
  const auto caller = std::this_thread::get_id();
  int made = 0;
  auto sinks = ParseParallel(text, 0, 1, {}, 3, 5, [&] {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ++made;
    return Collector{};
  });
  EXPECT_GE(made, static_cast<int>(sinks.size()));
  size_t n = 0;
  for (auto& s : sinks) n += s.records.size();
  EXPECT_EQ(n, 100u);
}

}  // namespace
}  // namespace movierec::io
