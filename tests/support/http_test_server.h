// A small HTTP/1.1 file server on 127.0.0.1 for the download tests: byte ranges, redirects and
// the failures a real server shows (it ignores Range, cuts the connection half way, is slow,
// answers 404), with a log of every request and of the body bytes it sent. It also answers
// proxy-style requests ("GET http://host/path"), so a test can act as the proxy that
// http_proxy names. One thread per connection; Qt-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deadiff::test {

class HttpTestServer {
public:
    struct Request {
        std::string method;
        std::string target; // as sent: "/f.bin", or "http://host/f.bin" through a proxy
        std::string path;   // "/f.bin"
        std::string host;   // the Host header
        std::string range;  // the Range header, empty when absent
        int status = 0;
        std::uint64_t bodyBytesSent = 0;
        bool cut = false; // the connection was closed before the body was complete
    };

    HttpTestServer(); // listens on 127.0.0.1 at a free port; throws std::runtime_error
    ~HttpTestServer();
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    int port() const { return port_; }
    // "http://127.0.0.1:PORT" + path.
    std::string url(const std::string& path) const;

    void serve(const std::string& path, std::string body);
    // `from` answers 302 with Location `to` (a path on this server).
    void redirect(const std::string& from, const std::string& to);
    // Answer every request with the whole file (200), as servers without Range support do.
    void setIgnoreRange(bool ignore);
    // The next response closes the connection after `bytes` body bytes (once).
    void cutNextResponseAfter(std::uint64_t bytes);
    // Body bytes per second per response; 0: as fast as possible.
    void setBytesPerSecond(std::uint64_t rate);

    std::vector<Request> requests() const;
    std::uint64_t bodyBytesSent() const;

private:
    void acceptLoop();
    void handle(int fd);

    int listenFd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread acceptThread_;
    mutable std::mutex mutex_;
    std::vector<std::thread> connections_;
    std::map<std::string, std::string> files_;
    std::map<std::string, std::string> redirects_;
    bool ignoreRange_ = false;
    std::int64_t cutAfter_ = -1;
    std::uint64_t bytesPerSecond_ = 0;
    std::vector<Request> log_;
};

} // namespace deadiff::test
