using Signing.Core.IO;
using System.Globalization;
using System.Numerics;
using System.Text;
using Signing.Core;

namespace Signing.Timestamping;

/// <summary>Hands out timestamp serial numbers; every number is handed out at most once, ever.</summary>
public interface ISerialNumberSource
{
    /// <summary>A positive serial number never returned before (by this or any earlier instance on the same state).</summary>
    BigInteger Next();
}

/// <summary>
/// Serial numbers unique across threads, restarts and processes sharing one folder. Numbers are
/// reserved in blocks: the new high-water mark is written (temp file, fsync, rename) before any
/// number of the block is handed out, so a crash can only skip numbers, never repeat one. The
/// reservation itself runs under an exclusive lock file so two processes never reserve the same
/// block.
/// </summary>
public sealed class FileSerialNumberSource : ISerialNumberSource
{
    public const string StateFileName = "serial-high-water-mark";
    private const string LockFileName = "serial.lock";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly string _directory;
    private readonly int _blockSize;
    private BigInteger _next;
    private BigInteger _reservedUpTo;

    /// <param name="directory">Where the state lives, e.g. <c>DevLayout.TsaDirectory</c>; created if missing.</param>
    /// <param name="blockSize">How many numbers one disk write reserves (numbers of a block are lost on restart).</param>
    public FileSerialNumberSource(string directory, int blockSize = 100)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _directory = directory;
        _blockSize = blockSize;
        Directory.CreateDirectory(directory);
    }

    public string StateFile => Path.Combine(_directory, StateFileName);

    public BigInteger Next()
    {
        lock (_gate)
        {
            if (_next == BigInteger.Zero || _next > _reservedUpTo) ReserveBlock();
            return _next++;
        }
    }

    private void ReserveBlock()
    {
        using var processLock = AcquireLockFile();
        var highWaterMark = ReadHighWaterMark();
        var newMark = highWaterMark + _blockSize;
        AtomicFile.Write(StateFile, Encoding.ASCII.GetBytes(newMark.ToString(CultureInfo.InvariantCulture) + "\n"));
        _next = highWaterMark + 1;
        _reservedUpTo = newMark;
    }

    private BigInteger ReadHighWaterMark()
    {
        if (!File.Exists(StateFile)) return BigInteger.Zero;
        var text = File.ReadAllText(StateFile).Trim();
        // A damaged state is an error, never a reset: restarting at 1 would repeat serial numbers.
        if (!BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mark))
        {
            throw new SigningException($"The TSA serial-number state {StateFile} is damaged; restore it from a backup or set it above the last issued serial.");
        }

        return mark;
    }

    private FileStream AcquireLockFile()
    {
        var path = Path.Combine(_directory, LockFileName);
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new SigningException($"The TSA serial-number lock {path} stayed busy for {LockWait.TotalSeconds:0} s.", e);
            }
        }
    }
}
