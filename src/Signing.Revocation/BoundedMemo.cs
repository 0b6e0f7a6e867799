using System.Collections.Concurrent;

namespace Signing.Revocation;

/// <summary>
/// Remembered results of a pure function of immutable bytes, at most <paramref name="capacity"/> of
/// them: when full it starts over rather than tracking use, since the same few chains and answers
/// come back with every file and a cold entry costs only one more computation.
/// </summary>
internal sealed class BoundedMemo<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new(comparer);

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (_entries.TryGetValue(key, out var known)) return known;
        var value = compute(key);
        if (_entries.Count >= capacity) _entries.Clear();
        _entries[key] = value;
        return value;
    }
}
