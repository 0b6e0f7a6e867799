using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Signing.Pkcs11;

/// <summary>
/// One loaded, initialised library per module path per process: Cryptoki allows C_Initialize
/// once per process, and every token of the module shares it. Finalised at process exit.
/// </summary>
public static class Pkcs11Modules
{
    private static readonly Pkcs11InteropFactories Factories = new();
    private static readonly ConcurrentDictionary<string, Lazy<IPkcs11Library>> Loaded = new(StringComparer.Ordinal);

    static Pkcs11Modules()
    {
        // Pkcs11Interop P/Invokes dlopen from "libdl"; Debian 12 ships only libdl.so.2 (without
        // libc6-dev). Its maintainers' documented fix is this resolver, set before the first load.
        if (OperatingSystem.IsLinux()) NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibdl);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var lib in Loaded.Values.Where(l => l.IsValueCreated)) lib.Value.Dispose();
        };
    }

    /// <summary>The module at <paramref name="modulePath"/>, loaded and initialised on first use.</summary>
    public static IPkcs11Library Get(string modulePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        var full = Path.GetFullPath(modulePath);
        var lazy = Loaded.GetOrAdd(full, p => new Lazy<IPkcs11Library>(() => Load(p), LazyThreadSafetyMode.ExecutionAndPublication));
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

    /// <summary>The path a library was loaded from, for messages.</summary>
    internal static string PathOf(IPkcs11Library library) =>
        Loaded.FirstOrDefault(kv => kv.Value.IsValueCreated && ReferenceEquals(kv.Value.Value, library)).Key ?? "the PKCS#11 module";

    private static IPkcs11Library Load(string path)
    {
        if (!File.Exists(path)) throw new Pkcs11ModuleException($"PKCS#11 module '{path}' could not be loaded: there is no such file.");
        try
        {
            // MultiThreaded: C_Initialize with CKF_OS_LOCKING_OK, as the session pool signs from many threads.
            return Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
        }
        catch (UnmanagedException ex)
        {
            throw new Pkcs11ModuleException($"PKCS#11 module '{path}' could not be loaded: it is not a PKCS#11 module for this platform ({ex.Message.ReplaceLineEndings(" ")}).", ex);
        }
        catch (Net.Pkcs11Interop.Common.Pkcs11Exception ex)
        {
            throw new Pkcs11ModuleException($"PKCS#11 module '{path}' failed to initialise: {Pkcs11Exception.From(ex).Message}", ex);
        }
    }

    private static nint ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == "libdl" ? NativeLibrary.Load("libdl.so.2", assembly, searchPath) : 0;
}
