using Signing.Core.IO;
using Signing.Testing;

namespace Signing.Core.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("atomic");

    [Fact]
    public void Writes_the_bytes_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_dir, "result.pdf");
        AtomicFile.Write(path, "%PDF-1.7"u8);
        AtomicFile.Write(path, "%PDF-2.0"u8); // replaces
        Assert.Equal("%PDF-2.0"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Secret_files_are_readable_by_their_owner_only()
    {
        var path = Path.Combine(_dir, "user.pin");
        AtomicFile.WriteText(path, "123456", secret: true);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_missing_folder_is_a_clear_error_and_writes_nothing()
    {
        var path = Path.Combine(_dir, "missing", "x.pdf");
        var ex = Assert.Throws<SigningException>(() => AtomicFile.Write(path, [1, 2, 3]));
        Assert.Contains("Output directory does not exist", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public void Write_if_changed_reports_whether_it_wrote()
    {
        var path = Path.Combine(_dir, "root-ca.pem");
        Assert.True(AtomicFile.WriteIfChanged(path, [1]));
        var written = File.GetLastWriteTimeUtc(path);
        Assert.False(AtomicFile.WriteIfChanged(path, [1]));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.True(AtomicFile.WriteIfChanged(path, [2]));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
