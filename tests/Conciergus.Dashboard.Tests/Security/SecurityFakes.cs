using System.Collections.Concurrent;
using Conciergus.Core.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>In-memory audit log for the security tests: keeps what was appended, in order.</summary>
public sealed class RecordingAuditLog : IAuditLog
{
    private readonly ConcurrentQueue<AuditEvent> _events = new();
    private long _sequence;

    public IReadOnlyList<AuditEvent> Events => _events.ToList();

    public ValueTask<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(auditEvent);
        return ValueTask.FromResult(new AuditEntry
        {
            Sequence = Interlocked.Increment(ref _sequence),
            Timestamp = DateTimeOffset.UnixEpoch,
            Actor = auditEvent.Actor,
            Role = auditEvent.Role,
            Action = auditEvent.Action,
            Target = auditEvent.Target,
            Details = auditEvent.Details,
            SourceIp = auditEvent.SourceIp,
            PreviousHash = "",
            Hash = "",
        });
    }

    /// <summary>Registers <paramref name="log"/> as the app's audit log.</summary>
    public static Action<IServiceCollection> Into(RecordingAuditLog log) =>
        services => services.Replace(ServiceDescriptor.Singleton<IAuditLog>(log));
}

/// <summary>Keeps every formatted log message (to check what is printed, and how often).</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => _messages.ToList();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(_messages);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception));
    }
}
