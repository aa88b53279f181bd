// How much slower the sanitized builds run, for the few tests that bound a step's time to tell
// linear from quadratic (the quadratic versions take minutes; the bounds are generous).
#pragma once

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ERYX_UNDER_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define ERYX_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define ERYX_UNDER_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ERYX_UNDER_ASAN 1
#endif

namespace eryx::testing {
#if defined(ERYX_UNDER_TSAN)
inline constexpr int kSanitizerSlowdown = 40;
#elif defined(ERYX_UNDER_ASAN)
inline constexpr int kSanitizerSlowdown = 15;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif
}  // namespace eryx::testing
