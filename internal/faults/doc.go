// Package faults holds Rampart's fault, load and multi-instance tests. They
// build the real server and worker binaries once per run (go build into a
// temporary directory) and start them as processes on random ports, each
// test with its own database (internal/db/dbtest), then break what
// production breaks: two instances behind one Redis and one PostgreSQL, Redis
// stopped and started again, PostgreSQL restarted, SIGTERM and SIGKILL in the
// middle of requests and jobs, slow and oversized requests, many client IPs.
//
// Nothing is mocked: Redis, PostgreSQL and SMTP are real servers (a private
// redis-server, a private PostgreSQL cluster started with initdb/pg_ctl as
// the postgres user when run as root, an in-process emersion/go-smtp
// server). A test skips, saying what to install, only when redis-server or
// initdb is missing.
//
// What is already proven elsewhere is not repeated here:
//   - the graceful drain of serveHTTP and the SIGTERM exit code of the server
//     binary: cmd/server (TestShutdownLetsAnInFlightRequestFinish,
//     TestShutdownGivesUpAfterTheGracePeriod,
//     TestSIGTERMStopsTheRealBinaryWithExitCodeZero);
//   - the cap of the in-memory rate limiter (MemoryStoreOptions.MaxKeys,
//     DefaultMemoryStoreMaxKeys = 100,000 keys):
//     internal/http/middleware TestRateLimitMemoryStoreStaysWithinMaxKeys;
//   - 200 parallel logins under a measured memory bound:
//     internal/http TestTwoHundredConcurrentLoginsStayUnderAMemoryBound;
//   - a webhook delivery whose first attempt fails is processed once by a
//     River client in-process: internal/inbound.
//
// The package has no code outside its tests.
package faults
