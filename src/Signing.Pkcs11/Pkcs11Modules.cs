using System.Collections.Concurrent;

namespace Signing.Pkcs11;

/// <summary>
/// One loaded, initialised library per module path per process: Cryptoki allows C_Initialize
/// once per process, and every token of the module shares it. Finalised at process exit.
/// </summary>
public static class Pkcs11Modules
{
    private static readonly ConcurrentDictionary<string, Lazy<Pkcs11Library>> Loaded = new(StringComparer.Ordinal);

    static Pkcs11Modules()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var lib in Loaded.Values.Where(l => l.IsValueCreated)) lib.Value.Dispose();
        };
    }

    public static Pkcs11Library Get(string modulePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        var full = Path.GetFullPath(modulePath);
        var lazy = Loaded.GetOrAdd(full, p => new Lazy<Pkcs11Library>(() => Pkcs11Library.Load(p), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Loaded.TryRemove(full, out _); // let a later call retry (e.g. after the module is installed)
            throw;
        }
    }
}
