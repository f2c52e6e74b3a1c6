using System.Collections.Concurrent;
using System.Text;
using Dapper;
using Mall.Data;
using Mall.Diagnostics;
using Mall.Events;
using Mall.Jobs;
using Mall.Outbox.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Webhooks.Services;

/// <summary>
/// The outbox worker (MallJob <c>webhooks.dispatch</c>, once across nodes): hands committed events to the
/// subscriptions that want them (one delivery each), sends what is due, schedules the next round of what failed,
/// pauses subscriptions that failed for <see cref="WebhookOptions.PauseAfter"/>, and prunes what is older than
/// <see cref="WebhookOptions.Retention"/>. Woken by every outbox write, polled every <see cref="WebhookOptions.PollInterval"/>.
/// </summary>
internal sealed class WebhookDispatcher : MallJob
{
    private const int FanOutBatch = 500;
    private const int SendBatch = 256;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private readonly IMallDatabase database;
    private readonly OutboxStore outboxStore;
    private readonly WebhookSender sender;
    private readonly OutboxSignal signal;
    private readonly IDomainEventDispatcher events;
    private readonly TimeProvider clock;
    private readonly MallMetrics metrics;
    private readonly WebhookOptions _options;
    private DateTime _lastPrune = DateTime.MinValue;

    public WebhookDispatcher(
        IJobLeases leases, IMallDatabase database, OutboxStore outboxStore, WebhookSender sender, OutboxSignal signal, IDomainEventDispatcher events,
        IOptions<MallOptions> mallOptions, TimeProvider clock, ILogger<WebhookDispatcher> logger, MallMetrics metrics)
        : base(leases, clock, logger, metrics)
    {
        this.database = database;
        this.outboxStore = outboxStore;
        this.sender = sender;
        this.signal = signal;
        this.events = events;
        this.clock = clock;
        this.metrics = metrics;
        _options = mallOptions.Value.Webhooks;
    }

    private ISqlDialect Dialect => database.Dialect;

    /// <inheritdoc />
    public override string Name => "webhooks.dispatch";

    /// <inheritdoc />
    protected override TimeSpan Interval => _options.PollInterval;

    /// <summary>Long enough for a run with slow receivers (each attempt is bounded by the attempt timeout).</summary>
    protected override TimeSpan LeaseDuration => TimeSpan.FromSeconds(Math.Max(120, _options.AttemptTimeout.TotalSeconds * (_options.ImmediateRetries + 1) * 3));

    /// <summary>
    /// Woken by a write, the dispatcher lets the writes of the next moment gather first: one run per burst, not one
    /// per order, keeps its own writes from competing with checkout for the database (SQLite has one writer).
    /// </summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    /// <inheritdoc />
    protected override async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(Gather, clock, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken) =>
        _options.Enabled ? base.StartAsync(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 20 && await FanOutAsync(cancellationToken).ConfigureAwait(false) == FanOutBatch; i++) { }
        for (var i = 0; i < 20 && await SendDueAsync(cancellationToken).ConfigureAwait(false) == SendBatch; i++)
            await FanOutAsync(cancellationToken).ConfigureAwait(false);
        await PauseFailingAsync(cancellationToken).ConfigureAwait(false);
        var now = Now();
        if (now - _lastPrune >= PruneEvery)
        {
            await PruneAsync(now - _options.Retention, cancellationToken).ConfigureAwait(false);
            _lastPrune = now;
        }
    }

    /// <summary>One batch of undispatched events becomes deliveries, and the events are marked dispatched, in one transaction.</summary>
    internal Task<int> FanOutAsync(CancellationToken cancellationToken) => database.InTransactionAsync(async tx =>
    {
        var connection = tx.Connection!;
        var pending = await outboxStore.PendingAsync(tx, FanOutBatch, cancellationToken).ConfigureAwait(false);
        if (pending.Count == 0) return 0;
        var subscriptions = (await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(
            $"SELECT {SubscriptionRow.Columns} FROM mall_webhook_subscription", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var now = Now();
        var sql = new StringBuilder();
        var parameters = new DynamicParameters(new { now, pending = (short)WebhookDeliveryStatus.Pending });
        var count = 0;
        foreach (var e in pending)
            foreach (var s in subscriptions)
            {
                // A subscription gets what happened since it was created (older events only by an explicit resend).
                if (Common.Utc.Of(s.CreatedAt) > Common.Utc.Of(e.OccurredAt) || !WebhookService.Matches(s.EventList, e.Type)) continue;
                sql.Append(count == 0
                    ? "INSERT INTO mall_webhook_delivery (subscription_id, outbox_id, event_id, event_type, status, attempts, rounds, next_attempt_at, last_attempt_at, last_status_code, replay_of, created_at, updated_at) VALUES "
                    : ", ");
                sql.Append($"(@s{count}, @o{count}, @e{count}, @t{count}, @pending, 0, 0, @now, NULL, NULL, NULL, @now, @now)");
                parameters.Add($"s{count}", s.Id); parameters.Add($"o{count}", e.Id); parameters.Add($"e{count}", e.EventId); parameters.Add($"t{count}", e.Type);
                count++;
                if (count == 200)
                {
                    await connection.ExecuteAsync(new CommandDefinition(sql.ToString(), parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    sql.Clear();
                    parameters = new DynamicParameters(new { now, pending = (short)WebhookDeliveryStatus.Pending });
                    count = 0;
                }
            }
        if (count > 0) await connection.ExecuteAsync(new CommandDefinition(sql.ToString(), parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await outboxStore.MarkDispatchedAsync(tx, pending.Select(e => e.Id).ToList(), now, cancellationToken).ConfigureAwait(false);
        return pending.Count;
    }, cancellationToken);

    /// <summary>Sends one batch of due deliveries of active subscriptions, then records every attempt and outcome in one transaction.</summary>
    internal async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        List<DeliveryRow> due;
        Dictionary<long, SubscriptionRow> subscriptions;
        Dictionary<long, OutboxWriter.Row> outbox;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            due = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
                $"SELECT {Prefixed(DeliveryRow.Columns, "d")} FROM mall_webhook_delivery d JOIN mall_webhook_subscription s ON s.id = d.subscription_id " +
                $"WHERE d.status = @pending AND d.next_attempt_at <= @now AND s.status = @active ORDER BY d.next_attempt_at, d.id {Dialect.Page("0", "@take")}",
                new { pending = (short)WebhookDeliveryStatus.Pending, active = (short)WebhookSubscriptionStatus.Active, now = Now(), take = SendBatch },
                cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            if (due.Count == 0) return 0;
            subscriptions = (await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(
                    $"SELECT {SubscriptionRow.Columns} FROM mall_webhook_subscription WHERE {Dialect.InList("id", "@ids")}",
                    new { ids = due.Select(d => d.SubscriptionId).Distinct().ToList() }, cancellationToken: cancellationToken)).ConfigureAwait(false))
                .ToDictionary(s => s.Id);
            outbox = await outboxStore.GetAsync(connection, due.Select(d => d.OutboxId).Distinct().ToList(), cancellationToken).ConfigureAwait(false);
        }

        var results = new ConcurrentBag<(DeliveryRow Delivery, IReadOnlyList<WebhookAttempt> Attempts)>();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxParallelDeliveries), CancellationToken = cancellationToken },
            async (delivery, ct) =>
            {
                if (!subscriptions.TryGetValue(delivery.SubscriptionId, out var subscription)) return;
                IReadOnlyList<WebhookAttempt> attempts = outbox.TryGetValue(delivery.OutboxId, out var e)
                    ? await sender.SendAsync(subscription.Url, delivery.EventId, delivery.EventType, WebhookService.Body(e), subscription.SecretsAt(Now()), ct).ConfigureAwait(false)
                    : [new WebhookAttempt(Now(), false, null, 0, "The event was removed (older than the retention period).", null)];
                foreach (var a in attempts)
                    metrics.WebhookAttempted(a.Succeeded,
                        a.Succeeded && delivery.ReplayOf is null && delivery.Attempts == 0 && e is not null ? Now() - Common.Utc.Of(e.OccurredAt) : null);
                results.Add((delivery, attempts));
            }).ConfigureAwait(false);

        await RecordAsync(results.ToList(), CancellationToken.None).ConfigureAwait(false);
        return due.Count;
    }

    private Task RecordAsync(IReadOnlyList<(DeliveryRow Delivery, IReadOnlyList<WebhookAttempt> Attempts)> results, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = Now();
            var attemptsSql = new StringBuilder();
            var attemptParameters = new DynamicParameters();
            var n = 0;
            var succeededBy = new HashSet<long>();
            var failedBy = new HashSet<long>();
            // Successes, the common case, are marked in one statement per shape (attempt count, status) instead of one each;
            // their last_attempt_at is the group's latest (mall_webhook_attempt keeps each attempt's own time).
            var successes = new Dictionary<(int Count, int? Code), List<(long Id, DateTime At)>>();
            foreach (var (delivery, attempts) in results)
            {
                foreach (var a in attempts)
                {
                    attemptsSql.Append(n == 0 ? "INSERT INTO mall_webhook_attempt (delivery_id, attempted_at, succeeded, status_code, duration_ms, error, response_excerpt) VALUES " : ", ")
                        .Append($"(@d{n}, @at{n}, @ok{n}, @code{n}, @ms{n}, @err{n}, @ex{n})");
                    attemptParameters.Add($"d{n}", delivery.Id); attemptParameters.Add($"at{n}", WebhookService.Microseconds(a.AttemptedAt)); attemptParameters.Add($"ok{n}", a.Succeeded);
                    attemptParameters.Add($"code{n}", a.StatusCode); attemptParameters.Add($"ms{n}", a.DurationMs); attemptParameters.Add($"err{n}", a.Error); attemptParameters.Add($"ex{n}", a.ResponseExcerpt);
                    n++;
                }
                var last = attempts.Count > 0 ? attempts[^1] : null;
                var succeeded = last?.Succeeded == true;
                (succeeded ? succeededBy : failedBy).Add(delivery.SubscriptionId);
                if (succeeded)
                {
                    var shape = (attempts.Count, last!.StatusCode);
                    if (!successes.TryGetValue(shape, out var ids)) successes[shape] = ids = [];
                    ids.Add((delivery.Id, WebhookService.Microseconds(last.AttemptedAt)));
                    continue;
                }
                var rounds = delivery.Rounds + 1;
                var giveUp = !succeeded && now - Common.Utc.Of(delivery.CreatedAt) >= _options.RetryPeriod;
                var status = succeeded ? WebhookDeliveryStatus.Succeeded : giveUp ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending;
                DateTime? next = status == WebhookDeliveryStatus.Pending ? now + Backoff(rounds) : null;
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE mall_webhook_delivery SET status = @status, attempts = attempts + @count, rounds = @rounds, next_attempt_at = @next, last_attempt_at = @lastAt, last_status_code = @code, updated_at = @now WHERE id = @id",
                    new { status = (short)status, count = attempts.Count, rounds, next, lastAt = last is null ? (DateTime?)null : WebhookService.Microseconds(last.AttemptedAt), code = last?.StatusCode, now, id = delivery.Id },
                    tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            foreach (var ((count, code), ids) in successes)
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE mall_webhook_delivery SET status = @status, attempts = attempts + @count, rounds = rounds + 1, next_attempt_at = NULL, last_attempt_at = @lastAt, last_status_code = @code, updated_at = @now " +
                    $"WHERE {Dialect.InList("id", "@ids")}",
                    new { status = (short)WebhookDeliveryStatus.Succeeded, count, lastAt = ids.Max(i => i.At), code, now, ids = ids.Select(i => i.Id).ToList() },
                    tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (n > 0) await connection.ExecuteAsync(new CommandDefinition(attemptsSql.ToString(), attemptParameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            // A receiver that answered is healthy again; one that only failed is failing since its first failure.
            if (succeededBy.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE mall_webhook_subscription SET last_success_at = @now, failing_since = NULL WHERE {Dialect.InList("id", "@ids")}",
                    new { now, ids = succeededBy.ToList() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            failedBy.ExceptWith(succeededBy);
            if (failedBy.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE mall_webhook_subscription SET last_failure_at = @now, failing_since = COALESCE(failing_since, @now) WHERE {Dialect.InList("id", "@ids")}",
                    new { now, ids = failedBy.ToList() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>The wait after round <paramref name="rounds"/> failed: doubling from the first delay, capped, with ±20 % jitter.</summary>
    private TimeSpan Backoff(int rounds)
    {
        var doubled = _options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(rounds - 1, 30));
        var capped = Math.Min(doubled, _options.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    /// <summary>Pauses every active subscription that has failed for <see cref="WebhookOptions.PauseAfter"/>, and tells (log, domain event).</summary>
    internal async Task PauseFailingAsync(CancellationToken cancellationToken)
    {
        var now = Now();
        List<SubscriptionRow> failing;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            failing = (await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(
                $"SELECT {SubscriptionRow.Columns} FROM mall_webhook_subscription WHERE status = @active AND failing_since IS NOT NULL AND failing_since <= @threshold",
                new { active = (short)WebhookSubscriptionStatus.Active, threshold = now - _options.PauseAfter }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        foreach (var s in failing)
        {
            var since = Common.Utc.Of(s.FailingSince!.Value);
            var reason = $"Every delivery failed since {since:yyyy-MM-dd HH:mm:ss} UTC, so it was paused after {_options.PauseAfter}; its events are kept and sent when it is resumed.";
            var changed = await database.InTransactionAsync(tx => tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_webhook_subscription SET status = @paused, paused_reason = @reason, updated_at = @now WHERE id = @id AND status = @active",
                new { paused = (short)WebhookSubscriptionStatus.Paused, reason, now, id = s.Id, active = (short)WebhookSubscriptionStatus.Active }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
            if (changed == 0) continue;
            Logger.LogWarning("Webhook subscription {Subscription} ({Name}, {Url}) paused: every delivery failed since {Since:u}.", s.Id, s.Name, s.Url, since);
            await events.DispatchAsync(new WebhookSubscriptionPausedEvent(s.Id, s.Name, s.Url, since, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes finished deliveries and their attempts older than <paramref name="cut"/>, then the outbox's dispatched events as old.</summary>
    internal Task PruneAsync(DateTime cut, CancellationToken cancellationToken) => database.InTransactionAsync(async tx =>
    {
        var connection = tx.Connection!;
        var parameters = new { cut, pending = (short)WebhookDeliveryStatus.Pending };
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM mall_webhook_attempt WHERE delivery_id IN (SELECT id FROM mall_webhook_delivery WHERE created_at < @cut AND status <> @pending)", parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM mall_webhook_delivery WHERE created_at < @cut AND status <> @pending", parameters, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // A delivery still pending then (a subscription paused for longer than the retention) finds its event gone and fails, saying so.
        return await outboxStore.PruneAsync(tx, cut, cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    private DateTime Now() => WebhookService.Microseconds(clock.GetUtcNow().UtcDateTime);

    private static string Prefixed(string columns, string alias) =>
        string.Join(", ", columns.Split(", ").Select(c => $"{alias}.{c}"));
}
