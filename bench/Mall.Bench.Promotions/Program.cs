// Promotion evaluation (issue 5 goal: a 20-line cart against 50 active rules ≤ 0.5 ms p99).
// Usage: dotnet run -c Release --project bench/Mall.Bench.Promotions
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Mall.Promotions;

BenchmarkRunner.Run<PromotionBenchmarks>(DefaultConfig.Instance.AddColumn(StatisticColumn.P95, StatisticColumn.Max));

[MemoryDiagnoser]
[SimpleJob(warmupCount: 5, iterationCount: 30)]
public class PromotionBenchmarks
{
    private static readonly DateTime Now = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
    private List<PromotionLine> _lines = [];
    private List<PromotionRule> _rules = [];
    private List<PromotionRule> _oneRule = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _lines = Enumerable.Range(0, 20).Select(i => new PromotionLine(i % 10 + 1, i % 5 + 1, i % 3 == 0 ? null : i % 4 + 1, random.Next(500, 50_000), random.Next(1, 4))).ToList();
        var benefits = Enum.GetValues<PromotionBenefit>();
        _rules = Enumerable.Range(1, 50).Select(id => new PromotionRule
        {
            Id = id, Name = $"rule {id}", Priority = id % 7, Benefit = benefits[id % benefits.Length],
            Value = id % 2 == 0 ? 5m + id : 0.7m + id % 3 / 10m,
            Scope = (PromotionScope)(id % 4), ScopeIds = [id % 10 + 1, id % 5 + 1, id % 4 + 1],
            MinAmount = id % 3 == 0 ? 100m * (id % 5) : null, ExclusivityGroup = id % 4 == 0 ? $"group {id % 3}" : null,
            Stackable = id % 9 != 0, GiftSkuId = 1,
        }).ToList();
        _oneRule = [_rules[2]];
    }

    /// <summary>Baseline: one rule over the same cart.</summary>
    [Benchmark(Baseline = true)]
    public PromotionOutcome OneRule() => PromotionEngine.Evaluate(_lines, PromotionShopper.Guest, _oneRule, Now);

    /// <summary>The goal's case: 20 lines, 50 rules.</summary>
    [Benchmark]
    public PromotionOutcome TwentyLinesFiftyRules() => PromotionEngine.Evaluate(_lines, PromotionShopper.Guest, _rules, Now);
}
