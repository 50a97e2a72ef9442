namespace Commerce.Testing;

/// <summary>Waits on a condition with a deadline: the only way tests here wait for something asynchronous.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = default(T);
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (done(last)) return last;
                lastError = null;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                lastError = exception;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"Not within {timeout.TotalSeconds} s: {what}. Last seen: {Describe(last)}{(lastError is null ? "" : $" ({lastError.Message})")}");
    }

    /// <summary>A list shows its items, not its type.</summary>
    private static string? Describe<T>(T value) =>
        value is System.Collections.IEnumerable items and not string ? "[" + string.Join(", ", items.Cast<object?>()) + "]" : value?.ToString();

    public static Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        Until(condition, done => done, timeout, what);
}
