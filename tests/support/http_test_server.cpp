#include "tests/support/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace deadiff::test {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t");
    const std::size_t last = text.find_last_not_of(" \t\r");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

bool sendAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return false;
        data += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

// Reads up to the blank line that ends the headers; empty when the peer went away.
std::string readHead(int fd) {
    std::string head;
    char buffer[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, 10000) <= 0)
            return {};
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0)
            return {};
        head.append(buffer, static_cast<std::size_t>(got));
    }
    return head;
}

const char* reason(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 302:
        return "Found";
    case 404:
        return "Not Found";
    case 416:
        return "Range Not Satisfiable";
    default:
        return "Error";
    }
}

} // namespace

HttpTestServer::HttpTestServer() {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listenFd_ < 0)
        throw std::runtime_error("socket() failed");
    const int yes = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listenFd_, 16) != 0) {
        ::close(listenFd_);
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t length = sizeof address;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptThread_ = std::thread([this] { acceptLoop(); });
}

HttpTestServer::~HttpTestServer() {
    stopping_ = true;
    acceptThread_.join();
    ::close(listenFd_);
    std::vector<std::thread> connections;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        connections.swap(connections_);
    }
    for (std::thread& connection : connections)
        connection.join();
}

std::string HttpTestServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpTestServer::serve(const std::string& path, std::string body) {
    std::lock_guard<std::mutex> lock(mutex_);
    files_[path] = std::move(body);
}

void HttpTestServer::redirect(const std::string& from, const std::string& to) {
    std::lock_guard<std::mutex> lock(mutex_);
    redirects_[from] = to;
}

void HttpTestServer::setIgnoreRange(bool ignore) {
    std::lock_guard<std::mutex> lock(mutex_);
    ignoreRange_ = ignore;
}

void HttpTestServer::cutNextResponseAfter(std::uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    cutAfter_ = static_cast<std::int64_t>(bytes);
}

void HttpTestServer::setBytesPerSecond(std::uint64_t rate) {
    std::lock_guard<std::mutex> lock(mutex_);
    bytesPerSecond_ = rate;
}

std::vector<HttpTestServer::Request> HttpTestServer::requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
}

std::uint64_t HttpTestServer::bodyBytesSent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t total = 0;
    for (const Request& request : log_)
        total += request.bodyBytesSent;
    return total;
}

void HttpTestServer::acceptLoop() {
    while (!stopping_) {
        pollfd entry{listenFd_, POLLIN, 0};
        if (::poll(&entry, 1, 50) <= 0)
            continue;
        const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        std::lock_guard<std::mutex> lock(mutex_);
        connections_.emplace_back([this, fd] {
            handle(fd);
            ::close(fd);
        });
    }
}

void HttpTestServer::handle(int fd) {
    const std::string head = readHead(fd);
    if (head.empty())
        return;
    Request request;
    std::size_t lineEnd = head.find("\r\n");
    {
        const std::string line = head.substr(0, lineEnd);
        const std::size_t first = line.find(' ');
        const std::size_t second = line.find(' ', first + 1);
        request.method = line.substr(0, first);
        request.target = line.substr(first + 1, second - first - 1);
    }
    while (lineEnd != std::string::npos && lineEnd + 2 < head.size()) {
        const std::size_t next = head.find("\r\n", lineEnd + 2);
        const std::string line = head.substr(lineEnd + 2, next - lineEnd - 2);
        lineEnd = next;
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const std::string name = lower(trim(line.substr(0, colon)));
        if (name == "range")
            request.range = trim(line.substr(colon + 1));
        else if (name == "host")
            request.host = trim(line.substr(colon + 1));
    }
    request.path = request.target;
    if (request.target.rfind("http://", 0) == 0) {
        const std::size_t slash = request.target.find('/', 7);
        request.path = slash == std::string::npos ? "/" : request.target.substr(slash);
    }

    std::string body;
    bool found = false;
    std::string location;
    bool ignoreRange = false;
    std::int64_t cutAfter = -1;
    std::uint64_t rate = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (const auto it = redirects_.find(request.path); it != redirects_.end()) {
            location = it->second;
        } else if (const auto file = files_.find(request.path); file != files_.end()) {
            body = file->second;
            found = true;
            cutAfter = cutAfter_;
            cutAfter_ = -1;
        }
        ignoreRange = ignoreRange_;
        rate = bytesPerSecond_;
    }

    std::string headers;
    std::size_t from = 0;
    std::size_t to = body.size(); // exclusive
    if (!location.empty()) {
        request.status = 302;
        headers = "Location: " + url(location) + "\r\nContent-Length: 0\r\n";
        body.clear();
        to = 0;
    } else if (!found) {
        request.status = 404;
        body = "not found\n";
        to = body.size();
        headers = "Content-Length: " + std::to_string(body.size()) + "\r\n";
    } else if (!request.range.empty() && !ignoreRange && request.range.rfind("bytes=", 0) == 0 &&
               request.range.back() == '-') {
        const std::uint64_t start = std::stoull(request.range.substr(6));
        if (start >= body.size()) {
            request.status = 416;
            headers = "Content-Range: bytes */" + std::to_string(body.size()) +
                      "\r\nContent-Length: 0\r\n";
            to = 0;
        } else {
            request.status = 206;
            from = static_cast<std::size_t>(start);
            headers = "Content-Range: bytes " + std::to_string(from) + "-" +
                      std::to_string(body.size() - 1) + "/" + std::to_string(body.size()) +
                      "\r\nContent-Length: " + std::to_string(body.size() - from) + "\r\n";
        }
    } else {
        request.status = 200;
        headers = "Content-Length: " + std::to_string(body.size()) +
                  "\r\nAccept-Ranges: " + (ignoreRange ? "none" : "bytes") + "\r\n";
    }
    const std::string response = "HTTP/1.1 " + std::to_string(request.status) + " " +
                                 reason(request.status) + "\r\n" + headers +
                                 "Connection: close\r\n\r\n";
    // The log entry is written before the client can see the answer it describes, and each
    // chunk is counted before it is sent: a test that reads the log as soon as its download
    // returns must find everything the client saw (recording after the last send raced with it).
    std::size_t entry = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        entry = log_.size();
        log_.push_back(request);
    }
    const auto logSent = [&](std::uint64_t bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        log_[entry].bodyBytesSent = bytes;
    };
    if (!sendAll(fd, response.data(), response.size()) || request.method == "HEAD")
        return;
    constexpr std::size_t kChunk = 16384;
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t sent = 0; // body bytes handed to the socket
    std::size_t at = from;
    while (at < to && !stopping_) {
        std::size_t chunk = std::min(kChunk, to - at);
        if (cutAfter >= 0)
            chunk = std::min<std::size_t>(chunk, static_cast<std::size_t>(cutAfter) - sent);
        if (chunk == 0) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                log_[entry].cut = true; // closed without the rest: the client sees a short body
            }
            ::shutdown(fd, SHUT_RDWR);
            break;
        }
        logSent(sent + chunk);
        if (!sendAll(fd, body.data() + at, chunk)) {
            logSent(sent);
            break;
        }
        sent += chunk;
        at += chunk;
        if (rate > 0) {
            const auto due = started + std::chrono::microseconds(sent * 1000000 / rate);
            std::this_thread::sleep_until(due);
        }
    }
}

} // namespace deadiff::test
