#include "auth/account_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace imgmeta::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;  // ms
const std::string kAddr = "192.0.2.1";

class AccountServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("imgmeta-accounts-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    AccountSettings s;
    s.password_cost = {1, 64 * 1024};  // cheap for tests; the format is the same
    s.limits.signin_failures_per_account = 3;
    s.limits.signin_failures_per_address = 10;
    s.limits.signups_per_address = 5;
    auto opened = AccountService::open((dir_ / "auth").string(), s);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    svc_ = std::move(*opened);
  }
  void TearDown() override {
    svc_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<AccountService> svc_;
};

TEST_F(AccountServiceTest, SignUpThenSignInIssuesTokensForTheAccount) {
  auto account = svc_->sign_up("alice", "correct horse", kAddr, kNow);
  ASSERT_TRUE(account.ok()) << account.error().message;
  auto tokens = svc_->sign_in("alice", "correct horse", kAddr, kNow);
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  auto p = svc_->tokens().verify(tokens->access_token, kNow / 1000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->subject, account->user_id);
  EXPECT_EQ(p->username, "alice");
}

TEST_F(AccountServiceTest, UsernamesAreCaseInsensitive) {
  ASSERT_TRUE(svc_->sign_up("Alice", "correct horse", kAddr, kNow).ok());
  EXPECT_EQ(svc_->sign_up("alice", "other password", kAddr, kNow).error().code, meta::Errc::UsernameTaken);
  EXPECT_TRUE(svc_->sign_in("ALICE", "correct horse", kAddr, kNow).ok());
}

TEST_F(AccountServiceTest, WrongPasswordAndUnknownUserFailAlike) {
  ASSERT_TRUE(svc_->sign_up("bob", "correct horse", kAddr, kNow).ok());
  auto wrong = svc_->sign_in("bob", "wrong password", kAddr, kNow);
  auto unknown = svc_->sign_in("nobody", "wrong password", kAddr, kNow);
  EXPECT_EQ(wrong.error().code, meta::Errc::InvalidCredentials);
  EXPECT_EQ(unknown.error().code, wrong.error().code);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_F(AccountServiceTest, PasswordIsStoredAsArgon2idNeverInClear) {
  ASSERT_TRUE(svc_->sign_up("carol", "a very particular secret", kAddr, kNow).ok());
  svc_.reset();  // close the database
  std::string all;
  for (auto& f : std::filesystem::directory_iterator(dir_ / "auth")) {
    std::ifstream in(f.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(all.find("a very particular secret"), std::string::npos);
  EXPECT_NE(all.find("$argon2id$"), std::string::npos);
}

TEST_F(AccountServiceTest, RefreshRotatesAndReuseRevokesTheSignIn) {
  ASSERT_TRUE(svc_->sign_up("dave", "correct horse", kAddr, kNow).ok());
  auto first = svc_->sign_in("dave", "correct horse", kAddr, kNow);
  auto second = svc_->refresh(first->refresh_token, kNow + 1000);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->refresh_token, first->refresh_token);
  EXPECT_EQ(svc_->refresh(first->refresh_token, kNow + 2000).error().code, meta::Errc::InvalidToken);
  EXPECT_EQ(svc_->refresh(second->refresh_token, kNow + 3000).error().code, meta::Errc::InvalidToken);
}

TEST_F(AccountServiceTest, RefreshTokenExpires) {
  ASSERT_TRUE(svc_->sign_up("erin", "correct horse", kAddr, kNow).ok());
  auto t = svc_->sign_in("erin", "correct horse", kAddr, kNow);
  EXPECT_EQ(svc_->refresh(t->refresh_token, kNow + svc_->settings().refresh_ttl_s * 1000).error().code, meta::Errc::InvalidToken);
}

TEST_F(AccountServiceTest, SignOutRevokesOnlyTheOwnersToken) {
  auto a = svc_->sign_up("frank", "correct horse", kAddr, kNow);
  auto b = svc_->sign_up("grace", "correct horse", kAddr, kNow);
  auto ta = svc_->sign_in("frank", "correct horse", kAddr, kNow);
  ASSERT_TRUE(svc_->sign_out(b->user_id, ta->refresh_token, false, kNow).ok());
  EXPECT_TRUE(svc_->refresh(ta->refresh_token, kNow).ok());
  auto tb = svc_->sign_in("frank", "correct horse", kAddr, kNow);
  ASSERT_TRUE(svc_->sign_out(a->user_id, tb->refresh_token, false, kNow).ok());
  EXPECT_FALSE(svc_->refresh(tb->refresh_token, kNow).ok());
}

TEST_F(AccountServiceTest, FailuresPerAccountLockItForTheWindow) {
  ASSERT_TRUE(svc_->sign_up("heidi", "correct horse", kAddr, kNow).ok());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(svc_->sign_in("heidi", "wrong password", kAddr, kNow + i).ok());
  EXPECT_EQ(svc_->sign_in("heidi", "correct horse", kAddr, kNow + 10).error().code, meta::Errc::TooManyRequests);
  EXPECT_GT(svc_->sign_in_retry_after_s("heidi", kAddr, kNow + 10), 0);
  EXPECT_TRUE(svc_->sign_in("heidi", "correct horse", kAddr, kNow + 15 * 60 * 1000 + 10).ok());
}

TEST_F(AccountServiceTest, SignUpsPerAddressAreLimited) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(svc_->sign_up("user" + std::to_string(i), "correct horse", kAddr, kNow).ok());
  EXPECT_EQ(svc_->sign_up("user5", "correct horse", kAddr, kNow).error().code, meta::Errc::TooManyRequests);
  EXPECT_TRUE(svc_->sign_up("user5", "correct horse", "198.51.100.7", kNow).ok());
}

TEST(AccountRules, UsernameAndPasswordShapes) {
  EXPECT_TRUE(check_username("a.b_c@d-e").ok());
  EXPECT_FALSE(check_username("ab").ok());
  EXPECT_FALSE(check_username(std::string(65, 'a')).ok());
  EXPECT_FALSE(check_username("white space").ok());
  EXPECT_FALSE(check_username("<b>").ok());
  EXPECT_TRUE(check_password("12345678").ok());
  EXPECT_FALSE(check_password("1234567").ok());
  EXPECT_FALSE(check_password(std::string(1025, 'x')).ok());
}

}  // namespace
}  // namespace imgmeta::auth
