#include "sscard/transport/trace_file.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sscard::transport {

Result<std::unique_ptr<TraceFile>, TraceFileError> TraceFile::open(const char* path) {
  constexpr mode_t kOwnerOnly = S_IRUSR | S_IWUSR;
  const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, kOwnerOnly);
  if (fd < 0) return TraceFileError{TraceFileError::Kind::kOpen, errno};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return TraceFileError{TraceFileError::Kind::kOpen, e};
  }
  // A file made earlier by hand (or by a program that used the umask) may be readable by others: the trace
  // shows every command and the PAN's first and last digits, so it is written only to an owner-only file.
  if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return TraceFileError{TraceFileError::Kind::kMode, 0, static_cast<unsigned>(st.st_mode & 07777)};
  }
  std::FILE* file = ::fdopen(fd, "a");
  if (file == nullptr) {
    const int e = errno;
    ::close(fd);
    return TraceFileError{TraceFileError::Kind::kOpen, e};
  }
  return std::unique_ptr<TraceFile>(new TraceFile(file));
}

TraceFile::~TraceFile() { std::fclose(file_); }

void TraceFile::on_exchange(const TraceRecord& record) {
  text_.on_exchange(record);
  std::fflush(file_);
}

}  // namespace sscard::transport
