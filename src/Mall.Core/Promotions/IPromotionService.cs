namespace Mall.Promotions;

/// <summary>Promotion rules, managed by merchants and applied by the checkout's built-in evaluator.</summary>
public interface IPromotionService
{
    /// <summary>Every rule, active or not.</summary>
    Task<IReadOnlyList<PromotionRule>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a rule (active); the id in <paramref name="rule"/> is ignored.</summary>
    /// <exception cref="Common.MallValidationException">Bad input; nothing is written.</exception>
    Task<PromotionRule> CreateAsync(PromotionRule rule, CancellationToken cancellationToken = default);

    /// <summary>Replaces a rule.</summary>
    Task<PromotionRule> UpdateAsync(long id, PromotionRule rule, CancellationToken cancellationToken = default);

    /// <summary>Deletes a rule.</summary>
    Task DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Quotes a sample cart with the active rules, and the draft of the request in place of its rule: what applies,
    /// what does not and why, each line's share. The same engine as checkout; nothing is written.
    /// </summary>
    /// <exception cref="Common.MallValidationException">Bad input (<c>items[i].skuId</c>, <c>draft.value</c>, …).</exception>
    Task<PromotionPreview> PreviewAsync(PromotionPreviewRequest request, CancellationToken cancellationToken = default);
}
