// OutboxEvents is header-only; this file keeps the library's source list uniform.
#include "http/outbox_events.hpp"
