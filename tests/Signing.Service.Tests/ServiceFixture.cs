namespace Signing.Service.Tests;

/// <summary>One PKI and one running service shared by the tests of a class.</summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public TestPki Pki { get; } = new();
    public RunningService Service { get; private set; } = null!;

    public async Task InitializeAsync() => Service = await RunningService.StartAsync(Pki);

    public async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        Pki.Dispose();
    }
}
