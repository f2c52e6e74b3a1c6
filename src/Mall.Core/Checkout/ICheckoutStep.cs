namespace Mall.Checkout;

/// <summary>
/// One step of the checkout pricing pipeline. Steps run in ascending <see cref="Order"/>: shipping (200) and
/// promotions (300) are built in and call their own extension points; a plugin may add steps of its own.
/// </summary>
public interface ICheckoutStep
{
    /// <summary>Position in the pipeline.</summary>
    int Order { get; }

    /// <summary>Adds to the quote being built.</summary>
    Task ApplyAsync(CheckoutContext context, CancellationToken cancellationToken);
}
