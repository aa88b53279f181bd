// eryx: run untrusted Python safely and fast. Umbrella header of the public C++ API.
#pragma once

#include "eryx/cancellation.hpp"
#include "eryx/errors.hpp"
#include "eryx/factory.hpp"
#include "eryx/options.hpp"
#include "eryx/result.hpp"
#include "eryx/runtime.hpp"
#include "eryx/sandbox.hpp"
#include "eryx/session.hpp"
#include "eryx/vfs_storage.hpp"
