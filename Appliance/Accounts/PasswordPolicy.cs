using Microsoft.Extensions.Options;

namespace Appliance.Accounts;

/// <summary>
/// The stated strength rule: at least <see cref="SecurityOptions.PasswordMinLength"/> characters, at
/// least three of lower-case letters, upper-case letters, digits and other characters, and not
/// containing the account's own name (the part before the @).
/// </summary>
public sealed class PasswordPolicy(IOptions<SecurityOptions> options)
{
    public int MinLength => options.Value.PasswordMinLength;

    /// <summary>Throws <see cref="AccountException"/> with key <c>Password.Weak</c> when the rule is not met.</summary>
    public void Check(string? password, string? address)
    {
        if (!IsStrong(password, address))
        {
            throw new AccountException("Password.Weak", MinLength);
        }
    }

    public bool IsStrong(string? password, string? address)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinLength)
        {
            return false;
        }
        var classes = 0;
        if (password.Any(char.IsLower)) classes++;
        if (password.Any(char.IsUpper)) classes++;
        if (password.Any(char.IsDigit)) classes++;
        if (password.Any(c => !char.IsLetterOrDigit(c))) classes++;
        if (classes < 3)
        {
            return false;
        }
        var at = address?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        var local = at > 0 ? address![..at] : address;
        return string.IsNullOrEmpty(local) || local.Length < 3 || !password.Contains(local, StringComparison.OrdinalIgnoreCase);
    }
}
