namespace Signing.Service.Authorization;

/// <summary>The staff roles of issue 5; role claims carry these exact names.</summary>
public static class Roles
{
    /// <summary>Counter staff: submit, read, download, print.</summary>
    public const string CounterStaff = "CounterStaff";

    /// <summary>Department head: sign the documents in their own queue.</summary>
    public const string DepartmentHead = "DepartmentHead";

    /// <summary>Seal operator: apply the agency seal and issue.</summary>
    public const string SealOperator = "SealOperator";

    /// <summary>Auditor: read the audit trail.</summary>
    public const string Auditor = "Auditor";

    /// <summary>Administrator: revoke, supersede, configure.</summary>
    public const string Admin = "Admin";

    /// <summary>Every role, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [CounterStaff, DepartmentHead, SealOperator, Auditor, Admin];
}
