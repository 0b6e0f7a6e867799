using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>
/// A test class whose every test gets a store of its own: opened before the test with a clock the
/// test moves by hand, closed after it and its blob folder removed.
/// </summary>
public abstract class OpenedStoreTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 3, 5, 1, 0, 0, TimeSpan.Zero);

    private DocumentStorage? _storage;

    protected ManualClock Clock { get; } = new(Start);

    protected string BlobDirectory { get; } = RepoPaths.NewTempDirectory("signing-blobs");

    protected DocumentStorage Storage => _storage ?? throw new InvalidOperationException("not opened");

    /// <summary>Opens the store under test (a second call opens the same database again).</summary>
    protected abstract Task<DocumentStorage> OpenAsync(StorageOptions options);

    /// <summary>Closes the store and opens the same database again.</summary>
    protected async Task ReopenAsync()
    {
        await Storage.DisposeAsync();
        _storage = null;
        _storage = await OpenAsync(new StorageOptions { Time = Clock });
    }

    public virtual async Task InitializeAsync() => _storage = await OpenAsync(new StorageOptions { Time = Clock });

    public virtual async Task DisposeAsync()
    {
        if (_storage != null) await _storage.DisposeAsync();
        if (Directory.Exists(BlobDirectory)) Directory.Delete(BlobDirectory, recursive: true);
    }
}
