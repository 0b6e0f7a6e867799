using System.Collections.Concurrent;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;
using LibraryException = Net.Pkcs11Interop.Common.Pkcs11Exception;

namespace Signing.Pkcs11;

/// <summary>
/// One token of a module, found by label / serial (slot ids change when tokens come and go),
/// with a pool of sessions so no two threads ever share one. Logs in once (the login is shared
/// by all sessions of the application), logs in again when the token says it is not logged in,
/// and, when the token was removed or its sessions invalidated, reopens everything on the next call.
/// Cryptoki failures leave it as <see cref="Pkcs11Exception"/>.
/// </summary>
public sealed class Pkcs11Token : IDisposable
{
    private const int MaxAttempts = 3;

    private readonly Pkcs11Uri _selector;
    private readonly IPinSource? _pinSource;
    private readonly ConcurrentBag<ISession> _idle = new();
    private readonly Lock _gate = new();
    private ISlot? _slot;
    private ITokenInfo? _info;
    private volatile bool _loggedIn;
    // Logins by every token object of this process: a token's login state is the application's,
    // so one object logging in again shows another that a logout happened under its operation.
    private static int s_logins;
    private int _generation;
    private bool _disposed;

    private Pkcs11Token(IPkcs11Library library, Pkcs11Uri selector, IPinSource? pinSource)
    {
        Library = library;
        _selector = selector.TokenOnly();
        _pinSource = pinSource;
        Resolve();
    }

    public IPkcs11Library Library { get; }

    /// <summary>Token facts read when the token was (re)found.</summary>
    public ITokenInfo Info => _info ?? throw new ObjectDisposedException(nameof(Pkcs11Token));

    /// <summary>Bumped whenever the token is reopened; object handles from an older generation are stale.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The token's URI selector, e.g. <c>pkcs11:serial=…;token=signing-dev</c>.</summary>
    public Pkcs11Uri Uri => Pkcs11Uri.For(token: Info.Label, serial: Info.SerialNumber);

    /// <summary>Opens the token that <paramref name="selector"/> names in the module at <paramref name="modulePath"/>.</summary>
    public static Pkcs11Token Open(string modulePath, Pkcs11Uri selector, IPinSource? pinSource) =>
        new(Pkcs11Modules.Get(modulePath), selector, pinSource);

    public static Pkcs11Token Open(IPkcs11Library library, Pkcs11Uri selector, IPinSource? pinSource) =>
        new(library, selector, pinSource);

    /// <summary>Finds the slot holding the token the selector names, or explains what is present.</summary>
    public static ISlot FindSlot(IPkcs11Library library, Pkcs11Uri selector)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(selector);
        var present = new List<string>();
        try
        {
            foreach (var slot in library.GetSlotList(SlotsType.WithTokenPresent))
            {
                ITokenInfo info;
                try
                {
                    info = slot.GetTokenInfo();
                }
                catch (LibraryException ex) when (Pkcs11Exception.IsGone(ex.RV))
                {
                    continue;
                }

                if (!info.TokenFlags.TokenInitialized) continue;
                present.Add(info.Label);
                if (selector.Matches(slot, info)) return slot;
            }
        }
        catch (LibraryException ex)
        {
            throw Pkcs11Exception.From(ex);
        }

        var wanted = selector.ToString();
        throw new Pkcs11NotFoundException(present.Count == 0
            ? $"No token matches {wanted}: no initialised token is present in {Pkcs11Modules.PathOf(library)}."
            : $"No token matches {wanted}; present: {string.Join(", ", present.Select(p => "'" + p + "'"))}.");
    }

    /// <summary>
    /// Runs an operation on a session of its own, logged in when <paramref name="login"/> says so.
    /// Retries once after re-login (CKR_USER_NOT_LOGGED_IN) and after reopening a token whose
    /// sessions or handles went stale (removed and re-inserted).
    /// </summary>
    public T Run<T>(Func<ISession, T> operation, bool login = true)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return RunWithRetries(operation, login);
        }
        catch (LibraryException ex)
        {
            throw Pkcs11Exception.From(ex);
        }
    }

    public void Run(Action<ISession> operation, bool login = true) => Run<object?>(s =>
    {
        operation(s);
        return null;
    }, login);

    /// <summary>Logs in now (e.g. to check a PIN before a batch).</summary>
    public void Login() => Run(_ => { });

    private T RunWithRetries<T>(Func<ISession, T> operation, bool login)
    {
        for (var attempt = 1; ; attempt++)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var generation = Generation;
            var logins = Volatile.Read(ref s_logins);
            ISession session;
            try
            {
                session = Rent();
                if (login) EnsureLoggedIn(session);
            }
            catch (Exception ex) when (IsGone(ex) && attempt < MaxAttempts)
            {
                Reset(generation);
                continue;
            }

            try
            {
                var result = operation(session);
                _idle.Add(session);
                return result;
            }
            catch (Exception ex) when (Pkcs11Exception.ReturnValueOf(ex) == CKR.CKR_USER_NOT_LOGGED_IN && attempt < MaxAttempts)
            {
                _loggedIn = false;
                ReturnAfterFailure(session);
            }
            catch (Exception ex) when (IsGone(ex) && attempt < MaxAttempts)
            {
                Close(session);
                Reset(generation);
            }
            catch when (login && attempt < MaxAttempts && LoginLostDuring(session, logins, out var loggedOut))
            {
                // Private objects are invisible to a session that is no longer logged in, so a
                // lookup fails with "not found" rather than CKR_USER_NOT_LOGGED_IN.
                if (loggedOut) _loggedIn = false;
                ReturnAfterFailure(session);
            }
            catch
            {
                ReturnAfterFailure(session);
                throw;
            }
        }
    }

    /// <summary>
    /// True when the application's login was lost (another session logged out, the token logged
    /// everyone out) while an operation that began with <paramref name="loginsBefore"/> logins ran:
    /// the session is public now (<paramref name="loggedOut"/>), or a token object of this
    /// process has logged in again since.
    /// </summary>
    private bool LoginLostDuring(ISession session, int loginsBefore, out bool loggedOut)
    {
        loggedOut = false;
        if (!_info!.TokenFlags.LoginRequired) return false;
        try
        {
            loggedOut = session.GetSessionInfo().State is CKS.CKS_RO_PUBLIC_SESSION or CKS.CKS_RW_PUBLIC_SESSION;
        }
        catch (LibraryException)
        {
            return false; // the original failure is the one to report
        }

        return loggedOut || Volatile.Read(ref s_logins) != loginsBefore;
    }

    /// <summary>
    /// Puts a session whose operation failed back in the pool. A failed C_Sign ends its operation
    /// by itself, but a search that failed half-way stays active and would make the session's next
    /// C_FindObjectsInit fail with CKR_OPERATION_ACTIVE, so it is ended first.
    /// </summary>
    private void ReturnAfterFailure(ISession session)
    {
        try
        {
            session.FindObjectsFinal();
        }
        catch (LibraryException)
        {
            // CKR_OPERATION_NOT_INITIALIZED: no search was active
        }

        _idle.Add(session);
    }

    private static bool IsGone(Exception ex) => Pkcs11Exception.ReturnValueOf(ex) is { } rv && Pkcs11Exception.IsGone(rv);

    private ISession Rent()
    {
        if (_idle.TryTake(out var s)) return s;
        var slot = _slot ?? throw new ObjectDisposedException(nameof(Pkcs11Token));
        return slot.OpenSession(SessionType.ReadWrite);
    }

    private void EnsureLoggedIn(ISession session)
    {
        if (_loggedIn) return;
        lock (_gate)
        {
            if (_loggedIn) return;
            var info = _info!;
            if (!info.TokenFlags.LoginRequired)
            {
                _loggedIn = true;
                return;
            }

            if (_pinSource == null) throw new SigningException($"Token '{info.Label}' needs a PIN and no PIN source is configured.");
            var pin = _pinSource.GetPin(info);
            try
            {
                session.Login(CKU.CKU_USER, pin);
                Interlocked.Increment(ref s_logins);
                _loggedIn = true;
            }
            catch (LibraryException ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
            {
                _loggedIn = true; // another application thread's session logged in first
            }
            catch (LibraryException ex) when (ex.RV == CKR.CKR_PIN_INCORRECT)
            {
                throw new Pkcs11Exception(ex.RV, ex.Method, "The PIN is incorrect." + RemainingTries());
            }
            finally
            {
                Array.Clear(pin);
            }
        }
    }

    /// <summary>Reads the token's facts now (PIN flags change with every wrong try; <see cref="Info"/> is from when it was found).</summary>
    public ITokenInfo ReadInfo()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var slot = _slot ?? throw new ObjectDisposedException(nameof(Pkcs11Token));
        try
        {
            return slot.GetTokenInfo();
        }
        catch (LibraryException ex)
        {
            throw Pkcs11Exception.From(ex);
        }
    }

    /// <summary>What the token says about the tries left after a wrong PIN (tokens that count say so by flags).</summary>
    public string RemainingTries()
    {
        try
        {
            var flags = _slot!.GetTokenInfo().TokenFlags;
            if (flags.UserPinLocked) return " The PIN is now locked.";
            if (flags.UserPinFinalTry) return " One try is left before the PIN locks.";
            if (flags.UserPinCountLow) return " Few tries are left before the PIN locks.";
        }
        catch (LibraryException)
        {
            // The hint is best-effort; the PIN error itself is what matters.
        }

        return "";
    }

    private void Reset(int seenGeneration)
    {
        lock (_gate)
        {
            if (Generation != seenGeneration) return; // another thread already reopened
            while (_idle.TryTake(out var s)) Close(s);
            _loggedIn = false;
            Resolve();
            Interlocked.Increment(ref _generation);
        }
    }

    private void Resolve()
    {
        _slot = FindSlot(Library, _selector);
        _info = ReadInfo();
    }

    // A session of a removed token is already gone; closing it is only tidying up.
    private static void Close(ISession session)
    {
        try
        {
            session.CloseSession();
        }
        catch (LibraryException)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        while (_idle.TryTake(out var s)) Close(s);
    }
}
