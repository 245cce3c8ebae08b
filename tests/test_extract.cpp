// Every input layout of DESIGN.md §4, read through the extract stage, including bad rows.
#include <gtest/gtest.h>
#include <zlib.h>

#include "common/error.h"
#include "etl/extract.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::TempDir;
using testing::WriteFile;

const RejectedRow* FindReject(const etl::ExtractedData& d, int64_t line) {
  for (const auto& r : d.rejected) {
    if (r.line == line) return &r;
  }
  return nullptr;
}

TEST(Extract, OriginalMoviesWithQuotesAndEmbeddedNewlines) {
  TempDir dir;
  WriteFile(
      dir / "Movies.csv",
      "MovieID,OriginalLanguage,OriginalTitle,EnglishTitle,Budget,Revenue,Homepage,Runtime,"
      "ReleaseDate,Genres,CastID,ProductionCompanies,ProductionCountries,SpokenLanguages\n"
      "2,fi-suomi,Ariel,Ariel,,,,73,1988-10-21,Drama|Crime,,Villealfa,FI-Finland,fi-suomi\n"
      "5,en-English,\"Four Rooms\",\"Four Rooms\",4000000,4257354,http://x.y,98,1995-12-09,"
      "Crime|Comedy,52fe420dc3a36847f800012d|52fe420dc3a36847f8000133,Miramax,"
      "US-United States of America,en-English\n"
      "6,fr-Français,\"Le \"\"Grand\"\", voyage\nsuite\",\"The Big, Trip\",,,,,1999-01-01,,,,,\n"
      "7,en-English,Bad,Bad,12x,,,,,,,,,\n"
      "8,en-English,Late,Late,,,,,1999-02-30,,,,,\n"
      "9,en-English,,,,,,,,,,,,\n"
      "10,en-English,Short,Short\n");
  etl::ExtractedData d;
  SourceStats s = etl::ExtractMoviesFile((dir / "Movies.csv").string(), 2, d);
  EXPECT_EQ(s.format, "original Movies.csv");
  EXPECT_EQ(s.rows_read, 7);
  ASSERT_EQ(d.movies.size(), 5u);
  EXPECT_EQ(d.movies[0].movie_id, 2);
  EXPECT_EQ(d.movies[0].original_language, "fi-suomi");
  EXPECT_EQ(d.movies[0].runtime, 73);
  EXPECT_EQ(d.movies[0].year, 1988);
  EXPECT_FALSE(d.movies[0].budget.has_value());
  EXPECT_EQ(d.movies[0].genres, (std::vector<std::string>{"Drama", "Crime"}));
  EXPECT_EQ(d.movies[1].budget, 4000000);
  EXPECT_EQ(d.movies[1].cast_ids.size(), 2u);
  EXPECT_EQ(d.movies[1].production_countries[0], "US-United States of America");
  EXPECT_EQ(d.movies[2].original_title, "Le \"Grand\", voyage\nsuite");
  EXPECT_EQ(d.movies[2].title, "The Big, Trip");
  EXPECT_EQ(d.movies[2].line, 4);
  // Unusable optional values are dropped and reported; the movie still loads.
  EXPECT_FALSE(d.movies[3].budget.has_value());
  EXPECT_FALSE(d.movies[4].year.has_value());
  ASSERT_EQ(d.fixes.size(), 2u);
  EXPECT_EQ(d.fixes[0].line, 6);
  EXPECT_EQ(d.fixes[0].rule, "field.bad_number");
  EXPECT_EQ(d.fixes[1].line, 7);
  EXPECT_EQ(d.fixes[1].rule, "field.bad_date");
  // Lines after the two-line record keep exact numbers.
  ASSERT_EQ(d.rejected.size(), 2u);
  EXPECT_EQ(FindReject(d, 8)->rule, "parse.missing_field");
  EXPECT_EQ(FindReject(d, 9)->rule, "parse.field_count");
  EXPECT_EQ(FindReject(d, 9)->raw, "10,en-English,Short,Short");
  EXPECT_EQ(FindReject(d, 9)->source, (dir / "Movies.csv").string());
}

TEST(Extract, OriginalRatingsWithDateAndWithTimestamp) {
  TempDir dir;
  WriteFile(dir / "Ratings.csv",
            "UserID,MovieID,Rating,Date\r\n1,2,3.5,2011-05-03\r\n1,5,4.0,2011-05-04\r\n"
            ",5,4.0,2011-05-04\r\n2,5,x,2011-05-04\r\n2,6,3,2011-13-04\r\n2,7,3,\r\n");
  etl::ExtractedData d;
  etl::ExtractRatingsFile((dir / "Ratings.csv").string(), 1, d);
  ASSERT_EQ(d.ratings.size(), 2u);
  EXPECT_EQ(d.ratings[0].user_id, 1);
  EXPECT_EQ(d.ratings[0].movie_id, 2);
  EXPECT_FLOAT_EQ(d.ratings[0].rating, 3.5f);
  EXPECT_EQ(d.ratings[0].timestamp, 1304380800);  // 2011-05-03T00:00:00Z
  EXPECT_EQ(d.ratings[1].line, 3);
  ASSERT_EQ(d.rejected.size(), 4u);
  EXPECT_EQ(FindReject(d, 4)->rule, "parse.missing_field");
  EXPECT_EQ(FindReject(d, 5)->rule, "parse.bad_number");
  EXPECT_EQ(FindReject(d, 6)->rule, "parse.bad_date");
  EXPECT_EQ(FindReject(d, 7)->rule, "parse.missing_field");

  WriteFile(dir / "old.csv", "UserID,MovieID,Rating,Timestamp\n3,4,5.0,964982703\n");
  etl::ExtractedData d2;
  SourceStats s = etl::ExtractRatingsFile((dir / "old.csv").string(), 1, d2);
  EXPECT_EQ(s.format, "original Ratings.csv (timestamp)");
  ASSERT_EQ(d2.ratings.size(), 1u);
  EXPECT_EQ(d2.ratings[0].timestamp, 964982703);
}

TEST(Extract, PersonsAndImdbQuirks) {
  TempDir dir;
  WriteFile(dir / "Persons.csv",
            "MovieID,CastID,Name,Gender,Character\n"
            "5,52fe420dc3a36847f800012d,Zoë Renée,1,\"Betty, the \"\"bellhop\"\"\"\n"
            "5,52fe420dc3a36847f8000133,José,,Ted\n"
            "5,52fe420dc3a36847f8000134,Anon,7,X\n");
  WriteFile(dir / "imdb_top_1000.csv",
            "Poster_Link,Series_Title,Released_Year,Certificate,Runtime,Genre,IMDB_Rating,"
            "Overview,Meta_score,Director,Star1,Star2,Star3,Star4,No_of_Votes,Gross\n"
            "https://p/1.jpg,The Godfather,1972,A,175 min,\"Crime, Drama\",9.2,\"An organized "
            "crime dynasty's aging patriarch, transfers control.\",100,Francis Ford Coppola,"
            "Marlon Brando,Al Pacino,James Caan,Diane Keaton,1620367,\"134,966,411\"\n"
            "https://p/2.jpg,Apollo 13,PG,U,140 min,\"Adventure, Drama\",7.6,Story.,77,Ron Howard,"
            "Tom Hanks,Bill Paxton,Kevin Bacon,Gary Sinise,269197,\"173,837,933\"\n"
            "https://p/3.jpg,Empty Gross,2001,,99 min,Drama,7.9,Story.,,Someone,A,B,C,D,1000,\n");
  etl::ExtractedData d;
  etl::ExtractPersonsFile((dir / "Persons.csv").string(), 1, d);
  ASSERT_EQ(d.credits.size(), 3u);
  EXPECT_EQ(d.credits[0].name, "Zoë Renée");
  EXPECT_EQ(d.credits[0].gender, 1);
  EXPECT_EQ(d.credits[0].character, "Betty, the \"bellhop\"");
  EXPECT_FALSE(d.credits[1].gender.has_value());
  EXPECT_FALSE(d.credits[2].gender.has_value());
  EXPECT_TRUE(d.rejected.empty());
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].line, 4);
  EXPECT_EQ(d.fixes[0].rule, "field.bad_code");

  etl::ExtractImdbFile((dir / "imdb_top_1000.csv").string(), 1, d);
  ASSERT_EQ(d.imdb.size(), 3u);
  EXPECT_EQ(d.imdb[0].runtime, 175);
  EXPECT_EQ(d.imdb[0].genres, (std::vector<std::string>{"Crime", "Drama"}));
  EXPECT_EQ(d.imdb[0].gross, 134966411);
  EXPECT_EQ(d.imdb[0].votes, 1620367);
  EXPECT_EQ(d.imdb[0].meta_score, 100);
  EXPECT_DOUBLE_EQ(*d.imdb[0].imdb_rating, 9.2);
  EXPECT_EQ(d.imdb[0].stars[3], "Diane Keaton");
  EXPECT_FALSE(d.imdb[1].year.has_value());  // "PG": unknown year, row kept
  EXPECT_EQ(d.fixes.size(), 2u);             // ... and reported
  EXPECT_FALSE(d.imdb[2].gross.has_value());
  EXPECT_FALSE(d.imdb[2].meta_score.has_value());
}

TEST(Extract, MovieLens100k) {
  TempDir dir;
  WriteFile(dir / "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\n");
  std::string item =
      "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|"
      "0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
      "2|Caf\xe9 Fl\xf6re (1996)|15-Mar-1996||x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n";
  WriteFile(dir / "u.item", item);
  etl::ExtractedData d;
  SourceStats rs = etl::ExtractRatingsFile((dir / "u.data").string(), 1, d);
  EXPECT_EQ(rs.format, "MovieLens u.data");
  ASSERT_EQ(d.ratings.size(), 2u);
  EXPECT_EQ(d.ratings[1].timestamp, 891717742);
  ASSERT_EQ(d.rejected.size(), 1u);
  EXPECT_EQ(d.rejected[0].line, 3);
  EXPECT_EQ(d.rejected[0].rule, "parse.field_count");
  etl::ExtractMoviesFile((dir / "u.item").string(), 1, d);
  ASSERT_EQ(d.movies.size(), 2u);
  EXPECT_EQ(d.movies[0].title, "Toy Story");
  EXPECT_EQ(d.movies[0].year, 1995);
  EXPECT_EQ(d.movies[0].release_date, "1995-01-01");
  EXPECT_EQ(d.movies[0].genres, (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
  EXPECT_EQ(d.movies[1].title, "Café Flöre");  // latin-1 transcoded
  EXPECT_EQ(d.movies[1].genres, (std::vector<std::string>{"Drama"}));
}

TEST(Extract, MovieLensDatAndCsvWithTagsAndLinks) {
  TempDir dir;
  WriteFile(dir / "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n");
  WriteFile(dir / "movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n");
  etl::ExtractedData d;
  EXPECT_EQ(etl::ExtractRatingsFile((dir / "ratings.dat").string(), 1, d).format,
            "MovieLens ratings.dat");
  EXPECT_EQ(d.ratings.size(), 2u);
  etl::ExtractMoviesFile((dir / "movies.dat").string(), 1, d);
  ASSERT_EQ(d.movies.size(), 1u);
  EXPECT_EQ(d.movies[0].genres.size(), 3u);

  WriteFile(dir / "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n");
  WriteFile(dir / "movies.csv",
            "movieId,title,genres\n11,\"American President, The (1995)\",Comedy|Drama|Romance\n"
            "12,Untitled (2019),(no genres listed)\n");
  WriteFile(dir / "tags.csv", "userId,movieId,tag,timestamp\n2,11,funny,1445714994\n");
  WriteFile(dir / "links.csv", "movieId,imdbId,tmdbId\n11,0112346,9087\n12,0000001,\n");
  etl::ExtractedData e;
  EXPECT_EQ(etl::ExtractRatingsFile((dir / "ratings.csv").string(), 1, e).format,
            "MovieLens ratings.csv");
  etl::ExtractMoviesFile((dir / "movies.csv").string(), 1, e);
  ASSERT_EQ(e.movies.size(), 2u);
  EXPECT_EQ(e.movies[0].title, "American President, The");
  EXPECT_EQ(e.movies[0].year, 1995);
  EXPECT_TRUE(e.movies[1].genres.empty());
  etl::ExtractTagsFile((dir / "tags.csv").string(), 1, e);
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0].tag, "funny");
  etl::ExtractLinksFile((dir / "links.csv").string(), 1, e);
  ASSERT_EQ(e.links.size(), 2u);
  EXPECT_EQ(e.links[0].tmdb_id, 9087);
  EXPECT_FALSE(e.links[1].tmdb_id.has_value());
}

TEST(Extract, GzipInputIsReadTransparently) {
  TempDir dir;
  std::string csv = "UserID,MovieID,Rating,Date\n1,2,3.5,2011-05-03\n";
  gzFile gz = gzopen((dir / "Ratings.csv.gz").c_str(), "wb");
  gzwrite(gz, csv.data(), static_cast<unsigned>(csv.size()));
  gzclose(gz);
  etl::ExtractedData d;
  etl::ExtractRatingsFile((dir / "Ratings.csv.gz").string(), 1, d);
  ASSERT_EQ(d.ratings.size(), 1u);
  EXPECT_FLOAT_EQ(d.ratings[0].rating, 3.5f);
}

TEST(Extract, WrongKindAndUnknownLayoutAreClearErrors) {
  TempDir dir;
  WriteFile(dir / "movies.csv", "movieId,title,genres\n1,A (1999),Drama\n");
  WriteFile(dir / "weird.csv", "a,b,c\n1,2,3\n");
  etl::ExtractedData d;
  try {
    etl::ExtractRatingsFile((dir / "movies.csv").string(), 1, d);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("which is a movies file"), std::string::npos) << e.what();
  }
  try {
    etl::ExtractMoviesFile((dir / "weird.csv").string(), 1, d);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot recognise the layout"), std::string::npos);
  }
  EXPECT_THROW(etl::ExtractMoviesFile((dir / "missing.csv").string(), 1, d), UsageError);
}

TEST(Extract, ParallelChunksGiveTheSameRowsAsOneWorker) {
  TempDir dir;
  std::string csv = "UserID,MovieID,Rating,Date\n";
  for (int i = 0; i < 800000; ++i) {
    csv += std::to_string(i % 977 + 1) + "," + std::to_string(i % 3001 + 1) + "," +
           (i % 5000 == 17 ? "bad" : std::to_string(1 + i % 5) + ".5") + ",2010-01-0" +
           std::to_string(1 + i % 9) + "\n";
  }
  WriteFile(dir / "Ratings.csv", csv);
  etl::ExtractedData one, many;
  etl::ExtractRatingsFile((dir / "Ratings.csv").string(), 1, one);
  etl::ExtractRatingsFile((dir / "Ratings.csv").string(), 4, many);
  ASSERT_EQ(one.ratings.size(), many.ratings.size());
  ASSERT_EQ(one.rejected.size(), 160u);
  ASSERT_EQ(many.rejected.size(), 160u);
  for (size_t i = 0; i < one.ratings.size(); ++i) {
    ASSERT_EQ(one.ratings[i].line, many.ratings[i].line);
    ASSERT_EQ(one.ratings[i].movie_id, many.ratings[i].movie_id);
  }
  for (size_t i = 0; i < one.rejected.size(); ++i) {
    EXPECT_EQ(one.rejected[i].line, many.rejected[i].line);
  }
}

}  // namespace
}  // namespace movierec
