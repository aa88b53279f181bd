// eryx: run untrusted Python safely and fast. Umbrella header of the public C++ API. Callbacks
// (make_callback, eryx::Json values) need eryx/callbacks.hpp as well: it brings nlohmann/json's
// full header, which this one leaves out.
#pragma once

#include "eryx/cancellation.hpp"
#include "eryx/errors.hpp"
#include "eryx/factory.hpp"
#include "eryx/options.hpp"
#include "eryx/pool.hpp"
#include "eryx/result.hpp"
#include "eryx/runtime.hpp"
#include "eryx/sandbox.hpp"
#include "eryx/session.hpp"
#include "eryx/vfs_storage.hpp"
