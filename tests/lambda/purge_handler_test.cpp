// The `purge` handler (the trash's expiry on AWS): it deletes the objects of images trashed
// more than trash_days ago, of every owner, and nothing else (the records go with S3's
// ObjectRemoved events). Over the SQLite store, which answers expired_trash the same way.
#include "lambda/purge_handler.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "store/sqlite_metadata_store.hpp"

namespace imgmeta::lambda {
namespace {

constexpr int64_t kDay = 86400000;
constexpr int64_t kNow = 1800000000000;

struct Purge : ::testing::Test {
  std::string dir;
  std::unique_ptr<store::SqliteMetadataStore> db;
  std::set<std::string> removed;
  std::ostringstream log;
  PurgeContext ctx;

  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "imgmeta-purge-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    db = store::SqliteMetadataStore::open({dir + "/meta.db"}).value();
    ctx.metadata = db.get();
    ctx.remove_object = [this](const std::string& key) {
      removed.insert(key);
      return meta::ok_status();
    };
    ctx.trash_days = 30;
    ctx.clock = [] { return kNow; };
    ctx.log = &log;
  }
  void TearDown() override {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  void image(const std::string& owner, const std::string& id, std::optional<int64_t> trashed_at) {
    store::ImageRecord r;
    r.owner = owner;
    r.image_id = id;
    r.status = store::ImageStatus::Ready;
    r.sequencer = "10";
    ASSERT_TRUE(db->apply(r).value_or(false));
    if (trashed_at) {
      ASSERT_TRUE(db->trash(owner, id, *trashed_at).ok());
    }
  }
  HandlerResult run(const std::string& payload) {
    Invocation inv;
    inv.request_id = "req-1";
    inv.payload = payload;
    return handle_purge(inv, ctx);
  }
};

const char* kScheduled = R"({"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","detail":{}})";

TEST_F(Purge, DeletesTheObjectsOfExpiredTrashOfEveryOwnerOnly) {
  image("alice", "01HZZZZZZZZZZZZZZZZZZZZZZA", kNow - 31 * kDay);  // expired
  image("bob", "01HZZZZZZZZZZZZZZZZZZZZZZB", kNow - 30 * kDay);    // expires now
  image("bob", "01HZZZZZZZZZZZZZZZZZZZZZZC", kNow - 29 * kDay);    // 1 day left
  image("bob", "01HZZZZZZZZZZZZZZZZZZZZZZD", std::nullopt);        // not trashed
  auto r = run(kScheduled);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(removed, (std::set<std::string>{"uploads/alice/01HZZZZZZZZZZZZZZZZZZZZZZA",
                                            "uploads/bob/01HZZZZZZZZZZZZZZZZZZZZZZB"}));
  EXPECT_EQ(nlohmann::json::parse(r.body)["deleted"], 2);
  EXPECT_NE(log.str().find("\"TrashPurged\":2"), std::string::npos) << log.str();
  // The records stay for the ObjectRemoved events to remove.
  EXPECT_TRUE(db->get("alice", "01HZZZZZZZZZZZZZZZZZZZZZZA").ok());
}

TEST_F(Purge, PrefixAndZeroDays) {
  ctx.prefix = "tenant/";
  ctx.trash_days = 0;
  image("alice", "01HZZZZZZZZZZZZZZZZZZZZZZA", kNow - 1);
  ASSERT_TRUE(run("{}").ok);
  EXPECT_EQ(removed, (std::set<std::string>{"tenant/uploads/alice/01HZZZZZZZZZZZZZZZZZZZZZZA"}));
}

TEST_F(Purge, RefusesAnEventThatIsNotAnObjectAndReportsFailures) {
  EXPECT_EQ(run("[1]").error.type, "Runtime.InvalidEvent");
  EXPECT_EQ(run("not json").error.type, "Runtime.InvalidEvent");
  image("alice", "01HZZZZZZZZZZZZZZZZZZZZZZA", kNow - 40 * kDay);
  ctx.remove_object = [](const std::string&) -> meta::Status { return meta::make_error(meta::Errc::AccessDenied, "denied"); };
  auto r = run(kScheduled);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.type, "Handled.Retryable");
  EXPECT_NE(r.error.message.find("denied"), std::string::npos);
}

}  // namespace
}  // namespace imgmeta::lambda
