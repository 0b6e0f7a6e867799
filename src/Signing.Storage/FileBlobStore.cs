using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Signing.Core;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// Content-addressed blobs in files: <c>&lt;root&gt;/ab/cd/abcd…</c> (the SHA-256 in hex). A put
/// writes a temp file, fsyncs it, renames it into place and fsyncs the directory, so a blob
/// either exists complete and durable or not at all. Works on a shared volume for several
/// service instances (names are content hashes, so concurrent puts of the same bytes agree).
/// </summary>
public sealed partial class FileBlobStore : IBlobStore
{
    private const string TempPrefix = ".tmp-";
    private readonly TimeProvider _time;

    public FileBlobStore(string root, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        _time = time ?? TimeProvider.System;
    }

    public string Root { get; }

    /// <summary>Where the blob with <paramref name="sha256"/> lives (whether or not it exists).</summary>
    public string PathOf(string sha256)
    {
        BlobKey.Check(sha256);
        return Path.Combine(Root, sha256[..2], sha256[2..4], sha256);
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var key = BlobKey.Of(content.Span);
        var path = PathOf(key);
        if (File.Exists(path))
        {
            // Re-put: refresh the time so orphan cleanup treats it as a write in flight.
            File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
            return key;
        }

        var dir = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(dir, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            EnsureDirectoryDurable(dir);
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            // The write time is the store's clock (orphan cleanup compares it with the same clock).
            File.SetLastWriteTimeUtc(temp, _time.GetUtcNow().UtcDateTime);
            File.Move(temp, path, overwrite: true);
            FsyncDirectory(dir);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            TryDelete(temp);
            throw new StorageFullException($"the blob store {Root} is full: {content.Length} bytes could not be written; nothing was stored", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        return key;
    }

    // ENOSPC and EDQUOT on Unix (the raw errno is the HResult); ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
    private static bool IsDiskFull(IOException e) => e.HResult is 28 or 122 || (e.HResult & 0xFFFF) is 112 or 39;

    public async Task<byte[]> GetAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var path = PathOf(sha256);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StorageException($"blob {sha256} is missing from {Root}", ex);
        }

        return BlobKey.Verified(sha256, bytes);
    }

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(sha256)));

    public Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        FsyncDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult(true);
    }

    public async IAsyncEnumerable<string> ListAsync(DateTimeOffset writtenBeforeUtc, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Root)) yield break;
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (!BlobKey.IsKey(name) || !string.Equals(file, PathOf(name), StringComparison.Ordinal)) continue;
            if (File.GetLastWriteTimeUtc(file) < writtenBeforeUtc.UtcDateTime) yield return name;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Removes temp files left by a crash mid-put, if older than <paramref name="olderThanUtc"/>.</summary>
    public int DeleteStaleTempFiles(DateTimeOffset olderThanUtc)
    {
        var deleted = 0;
        if (!Directory.Exists(Root)) return 0;
        foreach (var file in Directory.EnumerateFiles(Root, TempPrefix + "*", SearchOption.AllDirectories))
        {
            if (File.GetLastWriteTimeUtc(file) < olderThanUtc.UtcDateTime && TryDelete(file)) deleted++;
        }

        return deleted;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Creates missing directories and fsyncs each new one's parent so the entry survives a crash.</summary>
    private void EnsureDirectoryDurable(string dir)
    {
        if (Directory.Exists(dir)) return;
        var parent = Path.GetDirectoryName(dir)!;
        EnsureDirectoryDurable(parent);
        Directory.CreateDirectory(dir);
        FsyncDirectory(parent);
    }

    /// <summary>
    /// fsync(2) on a directory makes a rename or unlink in it durable. POSIX only: on Windows, NTFS
    /// journals metadata and a directory cannot be flushed this way.
    /// </summary>
    private static void FsyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY (Linux value)
        var fd = Open(dir, OperatingSystem.IsLinux() ? ReadOnlyDirectory : 0);
        if (fd < 0) throw new StorageException($"cannot open directory {dir} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new StorageException($"fsync of directory {dir} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
