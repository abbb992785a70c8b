// store::lens_of: which lens the `lens` filter, its suggestions and the exports see in a
// record's metadata JSON.
#include <gtest/gtest.h>

#include "store/metadata_store.hpp"

namespace imgmeta::store {
namespace {

TEST(LensOf, PrefersLensModelThenLensThenLensId) {
  EXPECT_EQ(lens_of(R"({"LensID":"C","Lens":"B","LensModel":"A"})"), "A");
  EXPECT_EQ(lens_of(R"({"LensID":"C","Lens":"B"})"), "B");
  EXPECT_EQ(lens_of(R"({"LensID":"C","Make":"Canon"})"), "C");
  EXPECT_EQ(lens_of(R"({"Make":"Canon","Model":"EOS R5"})"), "");
}

TEST(LensOf, SkipsEmptyAndNonStringValues) {
  EXPECT_EQ(lens_of(R"({"LensModel":"","Lens":"EF 50mm f/1.8"})"), "EF 50mm f/1.8");
  EXPECT_EQ(lens_of(R"({"LensModel":35,"LensID":"RF 35mm"})"), "RF 35mm");
  EXPECT_EQ(lens_of(R"({"LensModel":null,"Lens":true,"LensID":1.5})"), "");
  EXPECT_EQ(lens_of(R"({"LensModel":["A"],"Lens":{"LensModel":"nested"}})"), "");
}

TEST(LensOf, ReadsOnlyTopLevelMembers) {
  EXPECT_EQ(lens_of(R"({"Warnings":[{"LensModel":"deep"}],"Sub":{"Lens":"deeper"},"LensID":"top"})"), "top");
  EXPECT_EQ(lens_of(R"([{"LensModel":"in an array"}])"), "");
  EXPECT_EQ(lens_of(R"({"Comment":"\"LensModel\":\"in a string\""})"), "");
}

TEST(LensOf, TheLastOfARepeatedNameWins) {
  EXPECT_EQ(lens_of(R"({"LensModel":"first","LensModel":"second"})"), "second");
  EXPECT_EQ(lens_of(R"({"LensModel":"first","LensModel":7,"Lens":"L"})"), "L");
}

TEST(LensOf, KeepsTheTextAsDecoded) {
  EXPECT_EQ(lens_of(R"({"LensModel":"Tamron \u00e9 <b>\"18-400\"</b>"})"), "Tamron \xc3\xa9 <b>\"18-400\"</b>");
}

TEST(LensOf, AnythingButAJsonObjectHasNoLens) {
  for (const char* text : {"", " ", "null", "\"LensModel\"", "42", "{", R"({"LensModel":"A")",
                           R"({"LensModel":"A"} trailing)", "{\"LensModel\":\"\xff\"}"})
    EXPECT_EQ(lens_of(text), "") << text;
  EXPECT_EQ(lens_of(" \n{\"LensModel\":\"A\"}\n"), "A");
}

}  // namespace
}  // namespace imgmeta::store
